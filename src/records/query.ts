import { and, asc, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import { records } from '../db/schema';
import { BadInputError } from '../errors';
import type { Db } from '../db/client';
import type { Runtime } from '../runtime';

export type RecordRow = typeof records.$inferSelect;

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

function scopeOf(q: RecordQuery): SQL[] {
  if (q.filter != null && (typeof q.filter !== 'object' || Array.isArray(q.filter))) throw new BadInputError('filter', 'must be a JSON object');
  const scope: SQL[] = [eq(records.collectionId, q.collectionId)];
  if (!q.includeDeleted) scope.push(isNull(records.deletedAt));
  if (q.filter) scope.push(sql`${records.data} @> ${JSON.stringify(q.filter)}::jsonb`);
  return scope;
}

function pageSize(q: RecordQuery): number {
  const first = q.first ?? 100;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) throw new BadInputError('first', `must be between 0 and ${MAX_PAGE}`);
  return first;
}

/**
 * The one statement a page of records costs, unexecuted: listRecords runs it,
 * bench/query.ts takes its SQL (`.toSQL()`) to time it bare.
 */
export function recordsPageQuery(db: Db, q: RecordQuery) {
  const first = pageSize(q);
  const scope = scopeOf(q);
  const page = q.after ? [...scope, gt(records.id, decodeCursor(q.after))] : scope;
  // One extra row tells whether there is a next page without a second query.
  return db.select().from(records).where(and(...page)).orderBy(asc(records.id)).limit(first + 1);
}

export async function listRecords(rt: Runtime, q: RecordQuery): Promise<RecordPage> {
  const first = pageSize(q);
  const rows = await recordsPageQuery(rt.db, q);
  return {
    rows: rows.slice(0, first),
    hasNextPage: rows.length > first,
    totalCount: async () => {
      const [row] = await rt.db.select({ n: sql<number>`count(*)::int` }).from(records).where(and(...scopeOf(q)));
      return row?.n ?? 0;
    },
  };
}

export async function findRecord(rt: Runtime, collectionId: string, externalId: string): Promise<RecordRow | null> {
  const [row] = await rt.db
    .select()
    .from(records)
    .where(and(eq(records.collectionId, collectionId), eq(records.externalId, externalId)));
  return row ?? null;
}

export async function findRecordById(rt: Runtime, id: number): Promise<RecordRow | null> {
  const [row] = await rt.db.select().from(records).where(eq(records.id, id));
  return row ?? null;
}
