/**
 * The subscriber side of bench/events.ts, in a process of its own so the
 * clients do not share the gateway's event loop (or the writer's): N
 * graphql-ws clients, one WebSocket each, all subscribed to recordEvents.
 * Talks to its parent over IPC:
 *   parent -> { start: { url, token, subscribers } }, { commits: [[id, ms], ...] }, { report: true }
 *   child  -> { connected }, { progress: { minReceived, total } }, { report: {...} }
 * Receive times are performance.timeOrigin + performance.now(), comparable
 * with the parent's commit times on one machine.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

type Message =
  | { start: { url: string; token: string; subscribers: number } }
  | { commits: Array<[number, number]> }
  | { report: true };

const now = () => performance.timeOrigin + performance.now();
// The parent may disconnect between the check and the write: an error then goes to the callback, not the process.
const send = (m: unknown) => {
  if (process.connected) process.send!(m, undefined, {}, () => {});
};
process.on('disconnect', () => process.exit(0));

let subscribers = 0;
/** Per event id, the receive time at each subscriber. */
const received = new Map<number, Float64Array>();
const counts: number[] = [];
const clients: Client[] = [];
const errors: string[] = [];

function onEvent(sub: number, id: number): void {
  const t = now();
  let times = received.get(id);
  if (!times) received.set(id, (times = new Float64Array(subscribers)));
  times[sub] = t;
  counts[sub]!++;
}

function start(url: string, token: string, n: number): void {
  subscribers = n;
  let connected = 0;
  for (let sub = 0; sub < n; sub++) {
    counts.push(0);
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      on: { connected: () => ++connected === n && send({ connected }) },
    });
    clients.push(client);
    client.subscribe<{ recordEvents: { id: string } }>(
      { query: 'subscription { recordEvents { id type collectionId externalId data version runId at } }' },
      {
        next: (r) => (r.data ? onEvent(sub, Number(r.data.recordEvents.id)) : errors.push(JSON.stringify(r.errors))),
        error: (e) => errors.push(describeError(e)),
        complete: () => {},
      },
    );
  }
  setInterval(() => send({ progress: { minReceived: Math.min(...counts), total: counts.reduce((a, b) => a + b, 0), errors: errors.length } }), 100).unref();
}

/** graphql-ws hands the error sink an Error, a list of GraphQL errors, or the socket's CloseEvent (which JSON.stringify shows as {}). */
function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'code' in e && 'reason' in e) return `socket closed ${String(e.code)} ${String(e.reason)}`.trim();
  return JSON.stringify(e);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const commits = new Map<number, number>();

function report(): void {
  const delays: number[] = [];
  let missing = 0;
  let lastReceive = 0;
  for (const [id, committed] of commits) {
    const times = received.get(id);
    for (let sub = 0; sub < subscribers; sub++) {
      const t = times?.[sub] ?? 0;
      if (t === 0) missing++;
      else {
        delays.push(t - committed);
        if (t > lastReceive) lastReceive = t;
      }
    }
  }
  const sorted = Float64Array.from(delays).sort();
  send({
    report: {
      deliveries: sorted.length,
      missing,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? 0,
      lastReceive,
      errors: errors.slice(0, 5),
      errorCount: errors.length,
    },
  });
  commits.clear();
  received.clear();
}

process.on('message', (m: Message) => {
  if ('start' in m) start(m.start.url, m.start.token, m.start.subscribers);
  else if ('commits' in m) for (const [id, t] of m.commits) commits.set(id, t);
  else if ('report' in m) report();
});
process.on('disconnect', () => {
  for (const c of clients) void c.dispose();
  process.exit(0);
});
