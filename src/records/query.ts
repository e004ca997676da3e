import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { BadInputError } from '../errors';
import { rows, type Db } from '../db/client';
import type { Runtime } from '../runtime';

/**
 * A record as the API shows it: every column but the sync's bookkeeping
 * (hash, seen run), which no query needs to read or ship. Timestamps stay
 * PostgreSQL's text (drizzle's drivers hand them over unparsed): the
 * DateTime scalar turns the ones a query asks for into ISO 8601. Data comes
 * as JSON text too, unparsed: HTTP responses put it in as it is
 * (graphql/raw-json.ts).
 */
export interface RecordRow {
  id: number;
  collectionId: string;
  externalId: string;
  /** The record's JSON, as text. */
  data: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

const COLUMNS = sql.raw(
  `id, collection_id AS "collectionId", external_id AS "externalId", data::text AS data, version, created_at AS "createdAt", updated_at AS "updatedAt", deleted_at AS "deletedAt"`,
);

/**
 * Raw SQL, not drizzle's select builder: a page is the hot path of the API,
 * and the builder's per-request SQL assembly and per-cell row mapping cost
 * more CPU than the query itself. Rows come back keyed as RecordRow already.
 */
async function selectRecords(db: Db, where: SQL, tail: SQL = sql``): Promise<RecordRow[]> {
  const found = await rows<RecordRow>(db, sql`SELECT ${COLUMNS} FROM records WHERE ${where}${tail}`);
  // bigint arrives as a string on pg.
  for (const r of found) r.id = Number(r.id);
  return found;
}

export interface RecordPage {
  rows: RecordRow[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

export const MAX_PAGE = 1000;

/** Opaque to clients; the record's storage id, so paging is a keyset seek, not an OFFSET scan. */
export function encodeCursor(id: number): string {
  return Buffer.from(`r:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = raw.startsWith('r:') ? Number(raw.slice(2)) : NaN;
  if (!Number.isSafeInteger(id)) throw new BadInputError('after', 'is not a cursor this API gave out');
  return id;
}

export interface RecordQuery {
  collectionId: string;
  first?: number | null;
  after?: string | null;
  includeDeleted?: boolean | null;
  /** JSON containment on the record's data (`data @> filter`). */
  filter?: Record<string, unknown> | null;
}

/** Which records of the collection count: live ones, or all with includeDeleted. */
function collectionScope(q: RecordQuery): SQL {
  return q.includeDeleted ? sql`collection_id = ${q.collectionId}` : sql`collection_id = ${q.collectionId} AND deleted_at IS NULL`;
}

function scopeOf(q: RecordQuery): SQL {
  if (q.filter != null && (typeof q.filter !== 'object' || Array.isArray(q.filter))) throw new BadInputError('filter', 'must be a JSON object');
  return q.filter ? sql`${collectionScope(q)} AND data @> ${JSON.stringify(q.filter)}::jsonb` : collectionScope(q);
}

function pageSize(q: RecordQuery): number {
  const first = q.first ?? 100;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) throw new BadInputError('first', `must be between 0 and ${MAX_PAGE}`);
  return first;
}

/**
 * The one statement a page of records costs, unexecuted: listRecords runs it,
 * bench/query.ts takes its text (recordsPageStatement) to time it bare.
 *
 * A page is a walk in id order within the collection's own id span: the
 * first page starts at the collection's first id, every page stops at its
 * last (both read off records_collection_id in a few buffer hits). The
 * planner prefers walking the primary key for `ORDER BY id LIMIT n` with a
 * filter, and without the bounds that walk starts at the table's first
 * record: past every record of the collections synced before this one
 * (70 ms for 200,000 of them), or to the table's end when the filter matches
 * too little.
 */
function recordsPage(q: RecordQuery): { where: SQL; tail: SQL } {
  const first = pageSize(q);
  const scope = scopeOf(q);
  const span = collectionScope(q);
  const from = q.after ? sql`id > ${decodeCursor(q.after)}` : sql`id >= (SELECT min(id) FROM records WHERE ${span})`;
  const where = sql`${scope} AND ${from} AND id <= (SELECT max(id) FROM records WHERE ${span})`;
  // One extra row tells whether there is a next page without a second query.
  return { where, tail: sql` ORDER BY id LIMIT ${first + 1}` };
}

/** The page's statement as the drivers get it: text and parameters. */
export function recordsPageStatement(q: RecordQuery): { sql: string; params: unknown[] } {
  const { where, tail } = recordsPage(q);
  return new PgDialect().sqlToQuery(sql`SELECT ${COLUMNS} FROM records WHERE ${where}${tail}`);
}

export async function listRecords(rt: Runtime, q: RecordQuery): Promise<RecordPage> {
  const first = pageSize(q);
  const { where, tail } = recordsPage(q);
  const found = await selectRecords(rt.db, where, tail);
  return {
    rows: found.slice(0, first),
    hasNextPage: found.length > first,
    totalCount: async () => {
      const [row] = await rows<{ n: number }>(rt.db, sql`SELECT count(*)::int AS n FROM records WHERE ${scopeOf(q)}`);
      return row?.n ?? 0;
    },
  };
}

export async function findRecord(rt: Runtime, collectionId: string, externalId: string): Promise<RecordRow | null> {
  const [row] = await selectRecords(rt.db, sql`collection_id = ${collectionId} AND external_id = ${externalId}`);
  return row ?? null;
}

export async function findRecordById(rt: Runtime, id: number): Promise<RecordRow | null> {
  const [row] = await selectRecords(rt.db, sql`id = ${id}`);
  return row ?? null;
}
