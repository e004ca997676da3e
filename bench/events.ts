/**
 * Live event delivery: `npx tsx bench/events.ts [subscribers=1000] [seconds=10] [eventsPerSecond=10] [burst=500]`.
 * Not part of npm test.
 *
 * Three processes: the gateway (`src/main.ts` on a fresh PostgreSQL
 * database), the subscribers (bench/events-subscribers.ts: graphql-ws
 * clients, one WebSocket each, subscribed to every event), and this one,
 * which appends events the way the sync engine does (append lock, NOTIFY,
 * insert, commit) and notes when each commit returned.
 *
 * 1. Latency: `eventsPerSecond` events for `seconds` seconds, in small
 *    transactions at a steady pace; delay from commit to delivery at each
 *    subscriber, p50 / p90 / p99 / max.
 * 2. Throughput: `burst` events appended at once (transactions of 100);
 *    events per second until the last subscriber has the last event, and
 *    deliveries (event x subscriber) per second.
 */
import { fork, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Channels } from '../src/events/notifier';
import { EVENT_APPEND_LOCK } from '../src/sync/write-page';

const SUBSCRIBERS = Number(process.argv[2] ?? 1_000);
const SECONDS = Number(process.argv[3] ?? 10);
const EVENTS_PER_SECOND = Number(process.argv[4] ?? 10);
const BURST = Number(process.argv[5] ?? 500);
/** Latency-phase transactions per second; events are spread over them. */
const TX_PER_SECOND = Math.min(20, EVENTS_PER_SECOND);
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TOKEN = 'bench-admin-token-0123456789abcdef';
const root = path.resolve(import.meta.dirname, '..');
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- gateway
const dbName = `tributary_bench_${randomBytes(4).toString('hex')}`;
await withAdmin((c) => c.query(`CREATE DATABASE ${dbName}`));
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${dbName}`;
const port = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-'));
// BENCH_CPU_PROF=<dir>: the gateway writes a V8 CPU profile there on exit.
const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
const gateway = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/main.ts'], {
  cwd: root,
  env: {
    ...process.env,
    DATABASE_URL: dbUrl.toString(),
    PORT: String(port),
    HOST: '127.0.0.1',
    TRIBUTARY_ADMIN_TOKEN: TOKEN,
    TRIBUTARY_SECRET_KEY: randomBytes(32).toString('hex'),
    TRIBUTARY_DATA_DIR: dataDir,
    TRIBUTARY_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://127.0.0.1:${port}/graphql`;
for (let i = 0; ; i++) {
  if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) break;
  if (i > 300) throw new Error('gateway not ready after 30 s');
  await sleep(100);
}

// ------------------------------------------------------------ subscribers
interface Report {
  deliveries: number;
  missing: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  lastReceive: number;
  errors: string[];
  errorCount: number;
}
const subs = fork(path.join(import.meta.dirname, 'events-subscribers.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
let progress = { minReceived: 0, total: 0, errors: 0 };
let pendingReport: ((r: Report) => void) | null = null;
let connected: () => void;
const allConnected = new Promise<void>((r) => (connected = r));
subs.on('message', (m: { connected?: number; progress?: typeof progress; report?: Report }) => {
  if (m.connected) connected();
  if (m.progress) progress = m.progress;
  if (m.report) pendingReport?.(m.report);
});
const report = () =>
  new Promise<Report>((resolve) => {
    pendingReport = resolve;
    subs.send({ report: true });
  });
subs.send({ start: { url, token: TOKEN, subscribers: SUBSCRIBERS } });
const connectStart = Date.now();
await allConnected;
const connectMs = Date.now() - connectStart;

// ------------------------------------------------------------------ writer
const writer = new pg.Client({ connectionString: dbUrl.toString() });
await writer.connect();
const collectionId = randomUUID();
let seq = 0;
/** Appends `n` events in one transaction; returns their ids and when COMMIT returned. */
async function append(n: number): Promise<Array<[number, number]>> {
  await writer.query('BEGIN');
  await writer.query(`SELECT pg_advisory_xact_lock($1::bigint), pg_notify($2, '')`, [EVENT_APPEND_LOCK, Channels.events]);
  const { rows } = await writer.query<{ id: string }>(
    `INSERT INTO record_events (type, collection_id, external_id, data, version)
     SELECT 'UPDATED', $1::uuid, 'rec_' || ($2::int + g),
       jsonb_build_object('id', 'rec_' || ($2::int + g), 'name', 'Record ' || ($2::int + g), 'amount', (g * 37) % 10000, 'active', true, 'tags', jsonb_build_array('bench')), 2
     FROM generate_series(1, $3::int) g ORDER BY g RETURNING id`,
    [collectionId, seq, n],
  );
  await writer.query('COMMIT');
  const t = now();
  seq += n;
  return rows.map((r) => [Number(r.id), t]);
}

async function waitDelivered(expectedPerSubscriber: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (progress.minReceived < expectedPerSubscriber) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

// Warm-up: every subscription is live once every client has an event.
let sent = 0;
for (;;) {
  await append(1);
  sent++;
  if (await waitDelivered(sent, 300)) break;
  if (sent > 100) throw new Error(`subscribers not receiving: ${JSON.stringify(progress)}`);
}
await report(); // discards the warm-up

// 1. Latency at a steady pace.
const perTx = Math.max(1, Math.round(EVENTS_PER_SECOND / TX_PER_SECOND));
const txCount = Math.round((SECONDS * EVENTS_PER_SECOND) / perTx);
const paceStart = Date.now();
for (let i = 0; i < txCount; i++) {
  const due = paceStart + (i * 1000) / TX_PER_SECOND;
  if (due > Date.now()) await sleep(due - Date.now());
  subs.send({ commits: await append(perTx) });
  sent += perTx;
}
const latencyDelivered = await waitDelivered(sent, 60_000);
const latency = await report();

// 2. Throughput: a burst.
const burstStart = now();
for (let left = BURST; left > 0; left -= 100) {
  subs.send({ commits: await append(Math.min(100, left)) });
}
sent += BURST;
const burstDelivered = await waitDelivered(sent, 180_000);
const burst = await report();
const burstSeconds = (burst.lastReceive - burstStart) / 1000;

const ms = (x: number) => `${x.toFixed(1)} ms`;
console.log(`
recordEvents delivery, PostgreSQL, ${SUBSCRIBERS} graphql-ws subscribers (one socket each, separate process), ${os.cpus().length} CPUs
  connect + subscribe all:     ${connectMs} ms
  latency phase:               ${txCount * perTx} events at ${EVENTS_PER_SECOND}/s (${TX_PER_SECOND} tx/s x ${perTx}) for ${SECONDS} s
    commit -> delivery         p50 ${ms(latency.p50)}  p90 ${ms(latency.p90)}  p99 ${ms(latency.p99)}  max ${ms(latency.max)}
    deliveries                 ${latency.deliveries} (missing ${latency.missing})${latencyDelivered ? '' : '  NOT ALL DELIVERED'}
  burst phase:                 ${BURST} events in transactions of 100
    until the last subscriber  ${burstSeconds.toFixed(2)} s -> ${(BURST / burstSeconds).toFixed(0)} events/s to every subscriber, ${((BURST * SUBSCRIBERS) / burstSeconds).toFixed(0)} deliveries/s
    commit -> delivery         p50 ${ms(burst.p50)}  p99 ${ms(burst.p99)}  max ${ms(burst.max)}
    deliveries                 ${burst.deliveries} (missing ${burst.missing})${burstDelivered ? '' : '  NOT ALL DELIVERED'}
  subscription errors:         ${latency.errorCount + burst.errorCount}${burst.errors.length ? ` ${burst.errors.join('; ')}` : ''}
`);

await writer.end();
subs.disconnect();
gateway.kill('SIGTERM');
await new Promise((r) => gateway.once('exit', r));
fs.rmSync(dataDir, { recursive: true, force: true });
await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
process.exit(0);
