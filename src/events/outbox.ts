/**
 * Reads of the record event log (record_events), the one source every
 * subscriber and webhook reads from. The sync engine appends to it in the
 * transaction that changes the records, under EVENT_APPEND_LOCK, so ids
 * become visible in increasing order: once an id is visible, every smaller
 * id that will ever exist is visible too. That makes "id > last" a complete
 * and exact cursor, for a replay as for the live feed.
 */
import { and, asc, eq, gt, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { rows } from '../db/client';
import { recordEvents } from '../db/schema';
import type { RecordEventType } from '../domain';
import { AppError, ErrorCode } from '../errors';
import type { Runtime } from '../runtime';

export type EventRow = typeof recordEvents.$inferSelect;

/** What a subscriber wants; null or empty means no restriction. */
export interface EventScope {
  collectionId?: string | null;
  types?: readonly RecordEventType[] | null;
}

export function matches(scope: EventScope, event: EventRow): boolean {
  if (scope.collectionId && event.collectionId !== scope.collectionId) return false;
  if (scope.types?.length && !scope.types.includes(event.type as RecordEventType)) return false;
  return true;
}

/** The highest committed event id, 0 when there is none. */
export async function headEventId(rt: Runtime): Promise<number> {
  const [row] = await rows<{ id: string }>(rt.db, sql`SELECT coalesce(max(id), 0)::text AS id FROM record_events`);
  return Number(row?.id ?? 0);
}

/**
 * The smallest id a replay can still start at. Retention deletes a prefix of
 * the log, so every id below it is gone for good; with an empty log it is
 * the next id the sequence will hand out.
 */
export async function oldestKeptEventId(rt: Runtime): Promise<number> {
  const [row] = await rows<{ id: string }>(rt.db, sql`
    SELECT coalesce(
      (SELECT min(id) FROM record_events),
      (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM record_events_id_seq)
    )::text AS id`);
  return Number(row?.id ?? 1);
}

export function parseAfter(after: string): number {
  if (!/^\d{1,15}$/.test(after)) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'after: must be an event id (digits), or "0" for every kept event', { field: 'after' });
  }
  return Number(after);
}

export function eventsPruned(after: number, oldest: number): AppError {
  return new AppError(
    ErrorCode.EVENTS_PRUNED,
    `events after ${after} are no longer kept (retention pruned them; the oldest kept is ${oldest}). ` +
      `Reload the records (query records), then subscribe without "after", or with after: "${oldest - 1}" to replay what is kept.`,
    { oldestEventId: String(oldest), resumeAfter: String(oldest - 1) },
  );
}

/** Throws EVENTS_PRUNED when events right after `after` were pruned. "0" means "from the first kept" and never is. */
export async function assertReplayable(rt: Runtime, after: number): Promise<void> {
  if (after === 0) return;
  const oldest = await oldestKeptEventId(rt);
  if (after < oldest - 1) throw eventsPruned(after, oldest);
}

/** Up to `limit` events with after < id <= upTo (no upper bound when upTo is null), in id order. */
export function readEvents(rt: Runtime, after: number, upTo: number | null, scope: EventScope, limit: number): Promise<EventRow[]> {
  const where: SQL[] = [gt(recordEvents.id, after)];
  if (upTo !== null) where.push(lte(recordEvents.id, upTo));
  if (scope.collectionId) where.push(eq(recordEvents.collectionId, scope.collectionId));
  if (scope.types?.length) where.push(inArray(recordEvents.type, [...scope.types]));
  return rt.db
    .select()
    .from(recordEvents)
    .where(and(...where))
    .orderBy(asc(recordEvents.id))
    .limit(limit);
}
