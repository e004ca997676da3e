/**
 * Every instance runs every collection's cron schedule, and a tick enqueues
 * a run only on the instance that records it first: schedule_ticks has one
 * row per (collection, scheduled second), so N instances make one run per
 * tick. startSync adds the other half: while a run of the collection is
 * queued or running, a tick enqueues nothing new.
 */
import { sql } from 'drizzle-orm';
import { rows } from '../db/client';
import type { Runtime } from '../runtime';
import { startSync } from '../sync/runs';

/** Ticks older than this are removed; only the recent ones can still collide. */
const KEEP_TICKS_MS = 60 * 60_000;

/** Whether this instance won the tick; `scheduledAt` is the cron time, the same on every instance. */
export async function claimTick(rt: Runtime, collectionId: string, scheduledAt: Date): Promise<boolean> {
  // Whole seconds: cron times are, and instances' timers fire a few ms apart.
  const tickAt = new Date(Math.floor(scheduledAt.getTime() / 1000) * 1000);
  const won = await rows<{ won: number }>(rt.db, sql`
    INSERT INTO schedule_ticks (collection_id, tick_at, instance_id)
    VALUES (${collectionId}, ${tickAt.toISOString()}, ${rt.instanceId})
    ON CONFLICT DO NOTHING
    RETURNING 1 AS won`);
  return won.length > 0;
}

export async function onTick(rt: Runtime, collectionId: string, scheduledAt: Date): Promise<void> {
  try {
    if (!(await claimTick(rt, collectionId, scheduledAt))) return;
    // Logs 'run queued' when it queues one; otherwise the active run is returned and the tick passes.
    const run = await startSync(rt, collectionId, null, 'SCHEDULE');
    rt.log.debug({ collectionId, runId: run.id, scheduledAt }, 'schedule tick');
  } catch (err) {
    // A collection deleted between reconcile and tick, a database hiccup: the next tick tries again.
    rt.log.warn({ err, collectionId }, 'schedule tick failed');
  }
}

export async function pruneTicks(rt: Runtime): Promise<void> {
  await rt.db.execute(sql`DELETE FROM schedule_ticks WHERE created_at < now() - ${KEEP_TICKS_MS}::int * interval '1 millisecond'`);
}
