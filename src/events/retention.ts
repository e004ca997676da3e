/**
 * Event retention: events older than config.eventRetentionDays are deleted
 * in the background, in batches, so the log does not grow forever and no
 * delete holds locks for long. Every instance runs it; two at once only
 * take turns (an advisory lock), and a replay that asks for a pruned event
 * gets EVENTS_PRUNED (see outbox.ts).
 */
import { sql } from 'drizzle-orm';
import type { Worker } from '../app';
import { rows } from '../db/client';
import type { Runtime } from '../runtime';

/** How often an instance prunes, in ms. */
const PRUNE_EVERY_MS = 15 * 60_000;
/** The first pruning after start, in ms: not during a deploy's busiest seconds. */
const FIRST_PRUNE_AFTER_MS = 30_000;
/** Held by the transaction deleting a batch; see pruneEvents. */
const EVENT_PRUNE_LOCK = 7_314_220_003;
/** Events deleted per statement. */
const PRUNE_BATCH = 5_000;

export interface PruneOptions {
  /** Events whose `at` is older than this many days go. */
  retentionDays: number;
  /** Rows per DELETE; default 5,000. */
  batchSize?: number;
  /** Stops between batches when aborted. */
  signal?: AbortSignal;
}

/**
 * Deletes a prefix of the log: every event up to the newest one older than
 * the retention window. A prefix, not "every old row", because `at` is the
 * appending transaction's start time and need not grow with the id; replay
 * relies on "everything below the oldest kept id is gone" (EVENTS_PRUNED).
 * Returns the number of events deleted.
 */
export async function pruneEvents(rt: Runtime, options: PruneOptions): Promise<number> {
  const batchSize = options.batchSize ?? PRUNE_BATCH;
  const [bound] = await rows<{ id: string | null }>(rt.db, sql`
    SELECT max(id)::text AS id FROM record_events
    WHERE at < now() - ${options.retentionDays}::float8 * interval '1 day'`);
  if (!bound?.id) return 0;
  let total = 0;
  while (!options.signal?.aborted) {
    const n = await rt.db.transaction(async (tx) => {
      // One pruner at a time across instances: batches then delete in id
      // order and every commit leaves a prefix deleted. Another instance
      // that finds the lock taken leaves the work to it.
      const [lock] = await rows<{ ok: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${EVENT_PRUNE_LOCK}::bigint) AS ok`);
      if (!lock?.ok) return -1;
      const [row] = await rows<{ n: number }>(tx, sql`
        WITH gone AS (
          DELETE FROM record_events WHERE id IN (
            SELECT id FROM record_events WHERE id <= ${bound.id}::bigint ORDER BY id LIMIT ${batchSize}::int
          ) RETURNING 1
        )
        SELECT count(*)::int AS n FROM gone`);
      return row?.n ?? 0;
    });
    if (n < 0) break;
    total += n;
    if (n < batchSize) break;
  }
  return total;
}

/** The background pruner of one instance. */
export function createEventRetention(rt: Runtime): Worker {
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();

  const prune = async () => {
    try {
      const deleted = await pruneEvents(rt, { retentionDays: rt.config.eventRetentionDays, signal: stopping.signal });
      if (deleted > 0) rt.log.info({ deleted, retentionDays: rt.config.eventRetentionDays }, 'pruned old record events');
    } catch (err) {
      rt.log.error({ err }, 'pruning record events failed; trying again later');
    }
  };
  const schedule = (ms: number) => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      running = prune().then(() => schedule(PRUNE_EVERY_MS));
    }, ms);
    timer.unref();
  };

  return {
    start() {
      schedule(FIRST_PRUNE_AFTER_MS);
    },
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
