/**
 * What the sync tests share: a mutable fake API (offset paging, an optional
 * since-filter, slow or failing pages on demand) and GraphQL shortcuts to
 * set a collection up and run it to its end.
 */
import { sql } from 'drizzle-orm';
import { decodeId } from '../../src/catalog/ids';
import { rows } from '../../src/db/client';
import { sendJson, startApiServer, type ApiServer } from '../helpers/api-server';
import { after, before } from 'node:test';
import type { DRIVERS, TestDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';

export interface Item {
  id: string;
  name: string;
  amount: number;
  /** ISO 8601; what incremental runs filter on. */
  updated: string;
}

export interface FakeApi extends ApiServer {
  items: Map<string, Item>;
  /** The query of each request, in order. */
  log: URLSearchParams[];
  /** Milliseconds each page takes. */
  delayMs: number;
  /** Answer 500 to the request for this offset. */
  failAtOffset: number | null;
  /** Answer an empty list to everything. */
  empty: boolean;
  /** Served in front of the sorted items on the first page (duplicates, records without id...). */
  extra: unknown[];
}

const BASE = Date.UTC(2024, 0, 1);
export const hoursLater = (h: number) => new Date(BASE + h * 3600_000).toISOString();

export function makeItems(count: number, from = 1): Item[] {
  const out: Item[] = [];
  for (let i = from; i < from + count; i++) {
    out.push({ id: `it_${String(i).padStart(5, '0')}`, name: `Item ${i}`, amount: i * 10, updated: hoursLater(i) });
  }
  return out;
}

/** GET /items?offset&limit[&since]: items sorted by id; with since, only those updated at or after it. */
export async function startFakeApi(initial: Item[]): Promise<FakeApi> {
  const state = {
    items: new Map(initial.map((i) => [i.id, i])),
    log: [] as URLSearchParams[],
    delayMs: 0,
    failAtOffset: null as number | null,
    empty: false,
    extra: [] as unknown[],
  };
  const server = await startApiServer(async (req, res, url) => {
    state.log.push(url.searchParams);
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 100);
    if (state.failAtOffset === offset) return sendJson(res, 500, { error: 'upstream exploded' });
    const since = url.searchParams.get('since');
    let all: unknown[] = [...state.items.values()]
      .filter((i) => since === null || Date.parse(i.updated) >= Date.parse(since))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    all = [...state.extra, ...all];
    if (state.empty) all = [];
    sendJson(res, 200, { data: all.slice(offset, offset + limit), total: all.length });
  });
  return Object.assign(state, {
    baseUrl: server.baseUrl,
    close: server.close,
    get requests() {
      return server.requests;
    },
  }) as FakeApi;
}

export interface CollectionSetup {
  pageSize?: number;
  incremental?: boolean;
  mapping?: Array<{ name: string; path: string; type: string }>;
  schedule?: string;
  maxRetries?: number;
}

/** Creates a source and a collection on `api`; returns the collection's GraphQL id and database id. */
export async function createItemsCollection(gw: TestGateway, api: { baseUrl: string }, setup: CollectionSetup = {}) {
  const source = (
    await gw.ok(`mutation($input: SourceInput!) { createSource(input: $input) { id } }`, {
      input: { name: `api-${Math.random()}`, baseUrl: api.baseUrl, retry: { maxRetries: setup.maxRetries ?? 0, baseDelayMs: 10 } },
    })
  ).createSource;
  const input: Record<string, unknown> = {
    sourceId: source.id,
    name: 'items',
    path: '/items',
    dataPath: '$.data',
    pagination: { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit', pageSize: setup.pageSize ?? 100 },
  };
  if (setup.incremental) input.incremental = { sinceParam: 'since', cursorPath: '$.updated', format: 'ISO8601', lookbackSeconds: 60 };
  if (setup.schedule) input.schedule = setup.schedule;
  const collection = (await gw.ok(`mutation($input: CollectionInput!) { createCollection(input: $input) { id } }`, { input })).createCollection;
  if (setup.mapping) {
    await gw.ok(`mutation($id: ID!, $fields: [MappedFieldInput!]!) { setMapping(collectionId: $id, fields: $fields) { fields { name } } }`, {
      id: collection.id,
      fields: setup.mapping,
    });
  }
  return { id: collection.id as string, dbId: decodeId('Collection', collection.id) };
}

export const RUN_FIELDS = `id status mode error startedAt finishedAt stats { pages requests retries fetched created updated unchanged deleted failed } recordErrors { externalId message }`;

export async function startRun(gw: TestGateway, collectionId: string, mode?: 'FULL' | 'INCREMENTAL') {
  return (await gw.ok(`mutation($id: ID!, $mode: SyncMode) { startSync(collectionId: $id, mode: $mode) { ${RUN_FIELDS} } }`, { id: collectionId, mode })).startSync;
}

export async function readRun(gw: TestGateway, runId: string) {
  return (await gw.ok(`query($id: ID!) { syncRun(id: $id) { ${RUN_FIELDS} } }`, { id: runId })).syncRun;
}

export async function waitForRun(gw: TestGateway, runId: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await readRun(gw, runId);
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function syncToEnd(gw: TestGateway, collectionId: string, mode?: 'FULL' | 'INCREMENTAL') {
  const run = await startRun(gw, collectionId, mode);
  return waitForRun(gw, run.id);
}

export interface RecordState {
  external_id: string;
  version: number;
  xmin: string;
  ctid: string;
  updated_at: string;
  deleted: boolean;
  data: any;
}

/** Every record row of the collection with the system columns that change on any write. */
export async function recordStates(gw: TestGateway, collectionDbId: string): Promise<Map<string, RecordState>> {
  const list = await rows<RecordState>(gw.rt.db, sql`
    SELECT external_id, version, xmin::text AS xmin, ctid::text AS ctid, updated_at::text AS updated_at, deleted_at IS NOT NULL AS deleted, data
    FROM records WHERE collection_id = ${collectionDbId} ORDER BY external_id`);
  return new Map(list.map((r) => [r.external_id, r]));
}

export async function eventsOf(gw: TestGateway, collectionDbId: string, afterId = 0) {
  return rows<{ id: string; type: string; external_id: string; version: number; data: any; run_id: string }>(gw.rt.db, sql`
    SELECT id::text, type, external_id, version, data, run_id::text FROM record_events
    WHERE collection_id = ${collectionDbId} AND id > ${afterId} ORDER BY id`);
}

/** The collection's incremental watermark. */
export async function watermark(gw: TestGateway, collectionDbId: string): Promise<string | null> {
  const [row] = await rows<{ watermark: string | null }>(gw.rt.db, sql`SELECT watermark FROM collections WHERE id = ${collectionDbId}`);
  return row!.watermark;
}

export async function maxEventId(gw: TestGateway): Promise<number> {
  const [row] = await rows<{ id: string }>(gw.rt.db, sql`SELECT coalesce(max(id), 0)::text AS id FROM record_events`);
  return Number(row!.id);
}

export interface SyncWorld {
  db: TestDatabase;
  gw: TestGateway;
  api: FakeApi;
}

/**
 * For one describe block: a fresh database on `driver`, a gateway on it and a
 * fake API serving `items` items, made before its tests and torn down after.
 * `onReady` hands them over (tests keep them in their own variables).
 */
export function useSyncWorld(
  driver: (typeof DRIVERS)[number],
  items: number,
  onReady: (world: SyncWorld) => void,
  gatewayOptions?: Parameters<typeof startGateway>[1],
): void {
  let world: Partial<SyncWorld> = {};
  before(async () => {
    const db = await driver.create();
    world = { db };
    world.gw = await startGateway(db.config, gatewayOptions);
    world.api = await startFakeApi(makeItems(items));
    onReady(world as SyncWorld);
  });
  after(async () => {
    await world.gw?.stop();
    await world.api?.close();
    await world.db?.drop();
  });
}
