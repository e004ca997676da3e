/**
 * Full import throughput: `npx tsx bench/import.ts [N] [pageSize]`.
 * A fresh PostgreSQL database (BENCH_POSTGRES_URL or the local server), the
 * upstream API in a child process, the gateway in this process. Runs a full
 * import of N records (all created), then a second one (all unchanged), and
 * reports records per second and this process's peak RSS. Not part of npm test.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildApp } from '../src/app';
import type { Config } from '../src/config';
import { createLogger } from '../src/log';
import { runWorkers } from '../src/workers';

const N = Number(process.argv[2] ?? 100_000);
const PAGE_SIZE = Number(process.argv[3] ?? 500);
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TOKEN = 'bench-admin-token-0123456789abcdef';

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function startApi(): Promise<{ baseUrl: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'api-server.ts'), String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`api server exited with ${code}`)));
  });
  return { baseUrl: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

const dbName = `tributary_bench_${randomBytes(4).toString('hex')}`;
await withAdmin((c) => c.query(`CREATE DATABASE ${dbName}`));
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${dbName}`;
const api = await startApi();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-'));
const config: Config = {
  port: 0,
  host: '127.0.0.1',
  database: { kind: 'postgres', url: dbUrl.toString() },
  dataDir,
  adminToken: TOKEN,
  secretKey: randomBytes(32),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
  workerConcurrency: 1,
  runLeaseMs: 30_000,
  deleteGuardRatio: 0.5,
  eventRetentionDays: 7,
  maxRecordErrors: 1000,
  workers: true,
};
const app = buildApp(config, { logger: createLogger(config.logLevel), workers: runWorkers });

try {
  const { url } = await app.start();
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const source = (await gql(`mutation($i: SourceInput!) { createSource(input: $i) { id } }`, { i: { name: 'bench', baseUrl: api.baseUrl } })).createSource;
  const collection = (
    await gql(`mutation($i: CollectionInput!) { createCollection(input: $i) { id } }`, {
      i: { sourceId: source.id, name: 'customers', path: '/items', dataPath: '$.data', pagination: { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit', pageSize: PAGE_SIZE } },
    })
  ).createCollection;
  await gql(`mutation($id: ID!, $f: [MappedFieldInput!]!) { setMapping(collectionId: $id, fields: $f) { fields { name } } }`, {
    id: collection.id,
    f: [
      { name: 'name', path: '$.name', type: 'TEXT' },
      { name: 'email', path: '$.email', type: 'TEXT' },
      { name: 'balance', path: '$.balance', type: 'NUMBER' },
      { name: 'currency', path: '$.currency', type: 'TEXT' },
      { name: 'delinquent', path: '$.delinquent', type: 'BOOLEAN' },
      { name: 'created', path: '$.created', type: 'DATETIME', format: 'UNIX_SECONDS' },
      { name: 'updated', path: '$.updated', type: 'DATETIME' },
      { name: 'city', path: '$.address.city', type: 'TEXT' },
      { name: 'metadata', path: '$.metadata', type: 'JSON' },
    ],
  });

  const results: string[] = [];
  for (const label of ['first full run (all created)', 'second full run (all unchanged)']) {
    const t0 = performance.now();
    const run = (await gql(`mutation($id: ID!) { startSync(collectionId: $id, mode: FULL) { id } }`, { id: collection.id })).startSync;
    let state;
    for (;;) {
      state = (await gql(`query($id: ID!) { syncRun(id: $id) { status error stats { pages fetched created updated unchanged deleted failed } } }`, { id: run.id })).syncRun;
      if (!['QUEUED', 'RUNNING'].includes(state.status)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - t0) / 1000;
    if (state.status !== 'SUCCEEDED') throw new Error(`run ${state.status}: ${state.error}`);
    results.push(
      `${label}: ${N} records in ${seconds.toFixed(2)} s = ${Math.round(N / seconds).toLocaleString('en')} records/s ` +
        `(pages ${state.stats.pages}, created ${state.stats.created}, updated ${state.stats.updated}, unchanged ${state.stats.unchanged})`,
    );
  }
  const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
  console.log(`\nbench/import: ${N} records, page size ${PAGE_SIZE}, PostgreSQL, node ${process.version}`);
  for (const line of results) console.log(`  ${line}`);
  console.log(`  peak RSS of the gateway process: ${mb(Math.max(peakRss, process.resourceUsage().maxRSS * 1024))}`);
} finally {
  clearInterval(sampler);
  await app.stop().catch(() => {});
  api.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
}
