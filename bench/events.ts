/**
 * Live event delivery: `npx tsx bench/events.ts [subscribers=1000] [seconds=10] [eventsPerSecond=10] [burst=500]`,
 * or benchEvents() from bench/run.ts. Not part of npm test.
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
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Channels } from '../src/events/notifier';
import { EVENT_APPEND_LOCK } from '../src/sync/write-page';
import { startGatewayProcess, TOKEN } from './lib/gateway';
import { createDatabase } from './lib/postgres';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface EventsBenchOptions {
  subscribers: number;
  seconds: number;
  eventsPerSecond: number;
  burst: number;
}

export interface EventsBenchResult extends EventsBenchOptions {
  connectMs: number;
  latency: { events: number; p50: number; p90: number; p99: number; max: number; deliveries: number; missing: number; allDelivered: boolean };
  burstPhase: { seconds: number; eventsPerSecond: number; deliveriesPerSecond: number; p50: number; p99: number; max: number; deliveries: number; missing: number; allDelivered: boolean };
  errors: number;
  /** A few of the subscription errors' messages. */
  errorSamples: string[];
}

export async function benchEvents({ subscribers: SUBSCRIBERS, seconds: SECONDS, eventsPerSecond: EVENTS_PER_SECOND, burst: BURST }: EventsBenchOptions): Promise<EventsBenchResult> {
  /** Latency-phase transactions per second; events are spread over them. */
  const TX_PER_SECOND = Math.min(20, EVENTS_PER_SECOND);
  const db = await createDatabase();
  const gateway = await startGatewayProcess(db.url);
  const url = gateway.url;

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
  const writer = new pg.Client({ connectionString: db.url });
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

  await writer.end();
  subs.disconnect();
  await gateway.stop();
  await db.drop();
  return {
    subscribers: SUBSCRIBERS,
    seconds: SECONDS,
    eventsPerSecond: EVENTS_PER_SECOND,
    burst: BURST,
    connectMs,
    latency: { events: txCount * perTx, p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max, deliveries: latency.deliveries, missing: latency.missing, allDelivered: latencyDelivered },
    burstPhase: {
      seconds: burstSeconds,
      eventsPerSecond: BURST / burstSeconds,
      deliveriesPerSecond: (BURST * SUBSCRIBERS) / burstSeconds,
      p50: burst.p50,
      p99: burst.p99,
      max: burst.max,
      deliveries: burst.deliveries,
      missing: burst.missing,
      allDelivered: burstDelivered,
    },
    errors: latency.errorCount + burst.errorCount,
    errorSamples: [...new Set([...latency.errors, ...burst.errors])].slice(0, 5),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchEvents({
    subscribers: Number(process.argv[2] ?? 1_000),
    seconds: Number(process.argv[3] ?? 10),
    eventsPerSecond: Number(process.argv[4] ?? 10),
    burst: Number(process.argv[5] ?? 500),
  });
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`
recordEvents delivery, PostgreSQL, ${r.subscribers} graphql-ws subscribers (one socket each, separate process), ${os.cpus().length} CPUs
  connect + subscribe all:     ${r.connectMs} ms
  latency phase:               ${r.latency.events} events at ${r.eventsPerSecond}/s for ${r.seconds} s
    commit -> delivery         p50 ${ms(r.latency.p50)}  p90 ${ms(r.latency.p90)}  p99 ${ms(r.latency.p99)}  max ${ms(r.latency.max)}
    deliveries                 ${r.latency.deliveries} (missing ${r.latency.missing})${r.latency.allDelivered ? '' : '  NOT ALL DELIVERED'}
  burst phase:                 ${r.burst} events in transactions of 100
    until the last subscriber  ${r.burstPhase.seconds.toFixed(2)} s -> ${r.burstPhase.eventsPerSecond.toFixed(0)} events/s to every subscriber, ${r.burstPhase.deliveriesPerSecond.toFixed(0)} deliveries/s
    commit -> delivery         p50 ${ms(r.burstPhase.p50)}  p99 ${ms(r.burstPhase.p99)}  max ${ms(r.burstPhase.max)}
    deliveries                 ${r.burstPhase.deliveries} (missing ${r.burstPhase.missing})${r.burstPhase.allDelivered ? '' : '  NOT ALL DELIVERED'}
  subscription errors:         ${r.errors}${r.errorSamples.length ? ` (${r.errorSamples.join('; ')})` : ''}
`);
  process.exit(0);
}
