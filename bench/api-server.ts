/**
 * A stand-in upstream API for bench/import.ts, run as a child process so
 * serving pages does not share the gateway's event loop. Serves N
 * deterministic records with offset paging: GET /items?offset=&limit=.
 * Prints the port on stdout once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const count = Number(process.argv[2] ?? 100_000);
const base = Date.UTC(2024, 0, 1);

function record(i: number) {
  return {
    id: `cus_${String(i).padStart(8, '0')}`,
    object: 'customer',
    name: `Customer ${i}`,
    email: `customer${i}@example.com`,
    balance: (i * 37) % 100_000,
    currency: i % 2 ? 'usd' : 'eur',
    delinquent: i % 17 === 0,
    created: Math.floor(base / 1000) + i * 60,
    updated: new Date(base + i * 60_000).toISOString(),
    address: { city: `City ${i % 500}`, country: i % 3 ? 'US' : 'DE', postal_code: String(10_000 + (i % 89_999)) },
    metadata: { tier: ['free', 'pro', 'enterprise'][i % 3], source: 'bench' },
  };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), 1000);
  const data = [];
  for (let i = offset + 1; i <= Math.min(count, offset + limit); i++) data.push(record(i));
  const body = JSON.stringify({ data, total: count });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
