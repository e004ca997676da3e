/**
 * A stand-in upstream API for the benchmarks, run as a child process (see
 * lib/upstream.ts). Serves N deterministic customer records, Stripe-like,
 * with offset paging: GET /items?offset=&limit=[&updated_since=ISO].
 * POST /mutate?share=0.01 changes every 100th record (balance and updated
 * time), for incremental runs. Prints the port on stdout once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const count = Number(process.argv[2] ?? 100_000);
const base = Date.UTC(2024, 0, 1);
/** Record number -> [version, updated ms] of records changed by /mutate. */
const changed = new Map<number, [number, number]>();

const updatedAt = (i: number) => changed.get(i)?.[1] ?? base + i * 60_000;

function record(i: number) {
  const version = changed.get(i)?.[0] ?? 0;
  return {
    id: `cus_${String(i).padStart(8, '0')}`,
    object: 'customer',
    name: `Customer ${i}`,
    email: `customer${i}@example.com`,
    balance: (i * 37 + version * 1000) % 100_000,
    currency: i % 2 ? 'usd' : 'eur',
    delinquent: i % 17 === 0,
    created: Math.floor(base / 1000) + i * 60,
    updated: new Date(updatedAt(i)).toISOString(),
    address: { city: `City ${i % 500}`, country: i % 3 ? 'US' : 'DE', postal_code: String(10_000 + (i % 89_999)) },
    metadata: { tier: ['free', 'pro', 'enterprise'][i % 3], source: 'bench' },
  };
}

/** Record numbers updated at or after `since`, in id order (the incremental filter). */
function updatedSince(since: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= count; i++) if (updatedAt(i) >= since) out.push(i);
  return out;
}

let filterCache: { since: number; ids: number[] } | null = null;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'POST' && url.pathname === '/mutate') {
    const every = Math.max(1, Math.round(1 / Number(url.searchParams.get('share') ?? 0.01)));
    const now = Date.now();
    let n = 0;
    for (let i = every; i <= count; i += every, n++) changed.set(i, [(changed.get(i)?.[0] ?? 0) + 1, now]);
    filterCache = null;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ changed: n }));
    return;
  }
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), 1000);
  const sinceParam = url.searchParams.get('updated_since');
  let ids: number[] | null = null;
  if (sinceParam) {
    const since = Date.parse(sinceParam);
    if (filterCache?.since !== since) filterCache = { since, ids: updatedSince(since) };
    ids = filterCache.ids;
  }
  const total = ids ? ids.length : count;
  const data = [];
  for (let k = offset; k < Math.min(total, offset + limit); k++) data.push(record(ids ? ids[k]! : k + 1));
  const body = JSON.stringify({ data, total });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
