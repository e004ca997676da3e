import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import { recordEvents } from '../db/schema';
import type { RecordEventType } from '../domain';
import { AppError, ErrorCode } from '../errors';
import type { Runtime } from '../runtime';
import { Channels, nextNotification, type Notifier } from './notifier';

export type EventRow = typeof recordEvents.$inferSelect;

export interface EventFilter {
  collectionId?: string | null;
  types?: RecordEventType[] | null;
  /** Event id to resume after; "0" replays every kept event; absent: only new events. */
  after?: string | null;
}

const BATCH = 500;
const POLL_MS = 1000;

async function headId(rt: Runtime): Promise<number> {
  const [row] = await rt.db.select({ id: sql<string>`coalesce(max(${recordEvents.id}), 0)::text` }).from(recordEvents);
  return Number(row?.id ?? 0);
}

async function oldestId(rt: Runtime): Promise<number | null> {
  const [row] = await rt.db.select({ id: sql<string | null>`min(${recordEvents.id})::text` }).from(recordEvents);
  return row?.id == null ? null : Number(row.id);
}

function parseAfter(after: string): number {
  if (!/^\d+$/.test(after)) throw new AppError(ErrorCode.BAD_USER_INPUT, 'after: must be an event id (digits), or "0" for every kept event', { field: 'after' });
  return Number(after);
}

/**
 * Every event after a position, in id order, then live ones as they commit.
 * Event ids commit in order (appends are serialised), so reading `id > last`
 * neither skips nor repeats one, whether replaying or live.
 */
export async function* streamEvents(rt: Runtime, notifier: Notifier, filter: EventFilter, signal: AbortSignal): AsyncGenerator<EventRow> {
  let last: number;
  if (filter.after == null) last = await headId(rt);
  else {
    last = parseAfter(filter.after);
    const oldest = await oldestId(rt);
    if (last > 0 && oldest !== null && last < oldest - 1) {
      throw new AppError(
        ErrorCode.EVENTS_PRUNED,
        `events after ${last} are no longer kept (the oldest kept is ${oldest}); resync the records, then subscribe without "after" or with after: "${oldest - 1}"`,
        { oldestEventId: String(oldest) },
      );
    }
  }
  const scope: SQL[] = [];
  if (filter.collectionId) scope.push(eq(recordEvents.collectionId, filter.collectionId));
  if (filter.types?.length) scope.push(inArray(recordEvents.type, filter.types));
  while (!signal.aborted) {
    // Subscribe to the wake-up before reading, so an event committed between the read and the wait is not missed.
    const woken = nextNotification(notifier, Channels.events, POLL_MS, signal);
    const batch = await rt.db
      .select()
      .from(recordEvents)
      .where(and(gt(recordEvents.id, last), ...scope))
      .orderBy(asc(recordEvents.id))
      .limit(BATCH);
    for (const event of batch) {
      last = event.id;
      yield event;
    }
    if (batch.length < BATCH) await woken;
  }
}
