/**
 * Record query latency, gateway against bare SQL:
 * `npx tsx bench/query.ts [records=1000000] [seconds=10] [connections=10]`. Not part of npm test.
 *
 * benchQueries() puts two frontend queries under load with autocannon (POST,
 * bearer token, `connections` keep-alive connections, `durationSec` seconds):
 *   a) a page: `records(collectionId:, first: 100)` with the fields a list shows;
 *   b) a filtered page: the same with `filter: {"metadata": {"tier": "pro"}}`
 *      (JSON containment, a third of the records match).
 * Then it runs the statement the gateway issues for that page (taken from
 * src/records/query.ts, recordsPageStatement, so it is the same text and
 * parameters) bare through a pg.Pool of as many connections, as many in
 * flight, for as long. Latencies of both go into HDR histograms in
 * microseconds: p50 / p99, requests (queries) per second, and the gateway's
 * p99 over bare SQL's. Bare SQL uses pg's default type parsers, which turn
 * each row's three timestamps into Dates (~0.3 ms of its ~1 ms of CPU per
 * query here); the gateway's drivers leave them as text.
 *
 * Run alone it makes its own world: a fresh PostgreSQL database
 * (BENCH_POSTGRES_URL or the local server), the gateway as a child process
 * (the build npm start runs), a source and collection made
 * through GraphQL, `records` rows written straight with SQL (generate_series,
 * data shaped like bench/api-server.ts's customers after bench/import.ts's
 * mapping, 0.5% soft-deleted; 100,000 of another collection first, so the
 * benchmarked ones do not start at the table's first id), VACUUM ANALYZE and a CHECKPOINT;
 * then the two queries, a table, and the database is dropped.
 * BENCH_CPU_PROF=<dir> writes the gateway's V8 CPU profile there on exit;
 * BENCH_EXPLAIN=1 prints each statement's plan.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import pg from 'pg';
import { decodeId } from '../src/catalog/ids';
import { recordsPageStatement } from '../src/records/query';
import { startGatewayProcess, TOKEN } from './lib/gateway';
import { createDatabase, settleForQueries } from './lib/postgres';

export interface QueryBenchResult {
  name: string;
  /** Milliseconds; rps over the measured duration. */
  gateway: { p50: number; p99: number; rps: number; requests: number; errors: number };
  bareSql: { p50: number; p99: number; qps: number; queries: number };
  /** gateway.p99 / bareSql.p99 */
  ratioP99: number;
}

export interface QueryBenchOptions {
  gatewayUrl: string;
  token: string;
  databaseUrl: string;
  /** Relay global id of a collection with many records. */
  collectionId: string;
  durationSec?: number;
  connections?: number;
}

/** What a frontend list asks for. */
const PAGE_QUERY = `query Records($c: ID!, $filter: JSON) {
  records(collectionId: $c, first: 100, filter: $filter) {
    edges { node { id externalId data version updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const CASES: Array<{ name: string; filter: Record<string, unknown> | null }> = [
  { name: 'records(first: 100)', filter: null },
  { name: 'records(first: 100, filter: {metadata: {tier: "pro"}})', filter: { metadata: { tier: 'pro' } } },
];

const WARMUP_SEC = 2;

// autocannon ships no types; this is the part of its API used here.
interface AutocannonResult {
  requests: { total: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', fn: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): void;
}
type Autocannon = (opts: {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  verifyBody?: (body: string) => boolean;
}) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
const ms = (h: hdr.Histogram, p: number) => h.getValueAtPercentile(p) / 1000;

async function loadGateway(o: Required<QueryBenchOptions>, body: string, durationSec: number) {
  const latencies = histogram();
  const instance = autocannon({
    url: o.gatewayUrl,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
    body,
    connections: o.connections,
    duration: durationSec,
    // A GraphQL error is a 200 too: only a page of records counts.
    verifyBody: (b) => b.startsWith('{"data":{"records":{"edges":[{'),
  });
  instance.on('response', (_client, status, _bytes, responseTimeMs) => {
    if (status === 200) latencies.recordValue(Math.max(1, Math.round(responseTimeMs * 1000)));
  });
  const result = await instance;
  const errors = result.errors + result.timeouts + result.non2xx + result.mismatches;
  const ok = result.requests.total - result.non2xx - result.mismatches;
  return { p50: ms(latencies, 50), p99: ms(latencies, 99), rps: ok / result.duration, requests: ok, errors };
}

async function loadBare(pool: pg.Pool, text: string, params: unknown[], connections: number, durationSec: number) {
  const latencies = histogram();
  let queries = 0;
  const start = performance.now();
  const end = start + durationSec * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await pool.query(text, params);
        latencies.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
        queries++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { p50: ms(latencies, 50), p99: ms(latencies, 99), qps: queries / seconds, queries };
}

export async function benchQueries(opts: QueryBenchOptions): Promise<QueryBenchResult[]> {
  const o: Required<QueryBenchOptions> = { durationSec: 10, connections: 10, ...opts };
  const collectionUuid = decodeId('Collection', o.collectionId);
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: o.connections });
  pool.on('error', () => {});
  const results: QueryBenchResult[] = [];
  try {
    for (const c of CASES) {
      const body = JSON.stringify({ query: PAGE_QUERY, variables: { c: o.collectionId, filter: c.filter } });
      // One request by hand first: a wrong setup fails here, loudly, not as a fast stream of errors.
      const check = await fetch(o.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` }, body });
      const page = (await check.json()) as { data?: { records: { edges: unknown[] } }; errors?: unknown };
      if (page.errors || page.data?.records.edges.length !== 100) throw new Error(`${c.name}: not a page of 100 records: ${JSON.stringify(page).slice(0, 500)}`);

      const { sql: text, params } = recordsPageStatement({ collectionId: collectionUuid, first: 100, filter: c.filter });
      const bare = await pool.query(text, params);
      if (bare.rowCount !== 101) throw new Error(`${c.name}: bare SQL answered ${bare.rowCount} rows, not 101`);
      if (process.env.BENCH_EXPLAIN) {
        const plan = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
        console.log(`\n${c.name}\n${text}\n${plan.rows.map((r: Record<string, string>) => `  ${r['QUERY PLAN']}`).join('\n')}`);
      }

      await loadGateway(o, body, WARMUP_SEC);
      const gateway = await loadGateway(o, body, o.durationSec);
      await loadBare(pool, text, params, o.connections, WARMUP_SEC);
      const bareSql = await loadBare(pool, text, params, o.connections, o.durationSec);
      results.push({ name: c.name, gateway, bareSql, ratioP99: gateway.p99 / bareSql.p99 });
    }
  } finally {
    await pool.end();
  }
  return results;
}

export function formatResults(results: QueryBenchResult[]): string {
  const f = (x: number) => x.toFixed(2).padStart(7);
  const n = (x: number) => Math.round(x).toString().padStart(6);
  const lines = [
    `${'query'.padEnd(58)} | gateway  p50     p99  req/s | bare SQL  p50     p99  q/s    | p99 ratio`,
    ...results.map(
      (r) =>
        `${r.name.padEnd(58)} | ${f(r.gateway.p50)} ${f(r.gateway.p99)} ${n(r.gateway.rps)} | ${f(r.bareSql.p50)} ${f(r.bareSql.p99)} ${n(r.bareSql.qps)} | ${r.ratioP99.toFixed(2)}x` +
        (r.gateway.errors ? `  (${r.gateway.errors} gateway errors)` : ''),
    ),
  ];
  return lines.join('\n');
}

// ------------------------------------------------------------------ alone

const OTHER_RECORDS = 100_000;

/**
 * `count` customers, shaped like bench/api-server.ts's after bench/import.ts's
 * mapping: 9 fields, a nested metadata object, ISO date-times. Every 200th is
 * soft-deleted; some have later versions.
 */
async function fillRecords(databaseUrl: string, collectionUuid: string, count: number) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const chunk = 250_000;
    for (let from = 1; from <= count; from += chunk) {
      await client.query(
        `INSERT INTO records (collection_id, external_id, data, hash, version, created_at, updated_at, deleted_at)
         SELECT $1::uuid, 'cus_' || lpad(g::text, 8, '0'), d, md5(d::text), 1 + (g % 7 = 0)::int + (g % 49 = 0)::int, t, t + (g % 7) * interval '1 day',
                CASE WHEN g % 200 = 0 THEN t + interval '30 days' END
         FROM generate_series($2::int, $3::int) g,
           LATERAL (SELECT timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute' AS t) ts,
           LATERAL (SELECT jsonb_build_object(
             'name', 'Customer ' || g,
             'email', 'customer' || g || '@example.com',
             'balance', (g * 37) % 100000,
             'currency', CASE WHEN g % 2 = 1 THEN 'usd' ELSE 'eur' END,
             'delinquent', g % 17 = 0,
             'created', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'updated', to_char((t + (g % 7) * interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'city', 'City ' || (g % 500),
             'metadata', jsonb_build_object('tier', (ARRAY['free', 'pro', 'enterprise'])[g % 3 + 1], 'source', 'bench')
           ) AS d) j`,
        [collectionUuid, from, Math.min(count, from + chunk - 1)],
      );
    }
  } finally {
    await client.end();
  }
}

async function main() {
  const count = Number(process.argv[2] ?? 1_000_000);
  const durationSec = Number(process.argv[3] ?? 10);
  const connections = Number(process.argv[4] ?? 10);
  const db = await createDatabase();
  const databaseUrl = db.url;
  const gateway = await startGatewayProcess(databaseUrl);
  const gatewayUrl = gateway.url;
  const gql = (query: string, variables: Record<string, unknown>) => gateway.gql(query, variables);
  try {
    // Never synced: the records are written below, straight into the table.
    const source = (await gql(`mutation($i: SourceInput!) { createSource(input: $i) { id } }`, { i: { name: 'bench', baseUrl: 'http://127.0.0.1:9' } })).createSource;
    const create = async (name: string) =>
      (await gql(`mutation($i: CollectionInput!) { createCollection(input: $i) { id } }`, { i: { sourceId: source.id, name, path: `/${name}` } })).createCollection.id as string;
    const earlier = await create('leads');
    const collectionId = await create('customers');

    const t0 = performance.now();
    // Another collection synced before this one, so the benchmarked records do not start at the table's first id.
    await fillRecords(databaseUrl, decodeId('Collection', earlier), OTHER_RECORDS);
    await fillRecords(databaseUrl, decodeId('Collection', collectionId), count);
    await settleForQueries(databaseUrl);
    const fillSec = (performance.now() - t0) / 1000;

    const results = await benchQueries({ gatewayUrl, token: TOKEN, databaseUrl, collectionId, durationSec, connections });
    console.log(
      `\nbench/query: ${count.toLocaleString('en')} records in one collection, after ${OTHER_RECORDS.toLocaleString('en')} of another (written in ${fillSec.toFixed(1)} s incl. VACUUM ANALYZE and CHECKPOINT), ` +
        `${connections} connections, ${durationSec} s each, ms; PostgreSQL, node ${process.version}, ${os.cpus().length} CPUs\n`,
    );
    console.log(formatResults(results));
  } finally {
    await gateway.stop();
    await db.drop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
