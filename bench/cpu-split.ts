/**
 * `npx tsx bench/cpu-split.ts [--n 100000]`: where the CPU goes during a
 * no-op re-sync and a full import: the gateway, the upstream stand-in and
 * PostgreSQL, in CPU seconds, read from /proc (Linux). A tool for working
 * on the sync path, not one of the benchmark's measures.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startGatewayProcess } from './lib/gateway';
import { createDatabase } from './lib/postgres';
import { createCustomers, timedRun } from './lib/sync';
import { startUpstream } from './lib/upstream';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } } });
const N = Number(args.n);
const TICK = 100; // USER_HZ

/** utime+stime of a process and its threads, in seconds. */
function cpuOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

function pidsByName(pattern: RegExp): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return pattern.test(fs.readFileSync(`/proc/${d}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

const upstream = await startUpstream(N);
const db = await createDatabase('cpusplit');
const gw = await startGatewayProcess(db.url);
const upstreamPid = pidsByName(/api-server\.ts/)[0]!;
const snapshot = () => ({ gw: cpuOf(gw.pid), up: cpuOf(upstreamPid), pg: pidsByName(/^postgres/).reduce((s, p) => s + cpuOf(p), 0) });
try {
  const collectionId = await createCustomers(gw, upstream.baseUrl, 1000);
  for (const label of ['import', ...Array.from({ length: Number(args.runs) }, (_, i) => `no-op ${i + 1}`)]) {
    const before = snapshot();
    const run = await timedRun(gw, collectionId, 'FULL');
    const after = snapshot();
    console.log(
      `${label.padEnd(8)} wall ${run.seconds.toFixed(2)} s  cpu: gateway ${(after.gw - before.gw).toFixed(2)} s, upstream ${(after.up - before.up).toFixed(2)} s, postgres ${(after.pg - before.pg).toFixed(2)} s`,
    );
  }
} finally {
  await gw.stop();
  upstream.stop();
  await db.drop();
}
