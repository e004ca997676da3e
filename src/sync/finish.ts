/**
 * How a run ends. Only a full run that succeeds detects deletions: a failed
 * or cancelled one saw an unknown part of the source, so it deletes nothing.
 * Every ending checks the lease like a page does, and clears the run's seen
 * ids, which only a run in progress needs.
 */
import { sql } from 'drizzle-orm';
import { rows, type Tx } from '../db/client';
import type { IncrementalConfig, SyncStats } from '../domain';
import { Channels } from '../events/notifier';
import type { Runtime } from '../runtime';
import { settleDigests, type MetDigests } from './page-digests';
import { forgetSeen, seenIds } from './seen';
import { advanceWatermark } from './watermark';
import { EVENT_APPEND_LOCK, LeaseLostError } from './write-page';

export type Ending =
  | { status: 'SUCCEEDED'; deleted: number }
  | { status: 'FAILED'; error: string }
  | { status: 'CANCELLED' };

export interface FinishingRun {
  runId: string;
  collectionId: string;
  full: boolean;
  /** The collection's incremental config: its watermark moves on success, whatever the mode. */
  incremental: IncrementalConfig | null;
  maxCursor: string | null;
  /** What a full run that read every page knows of page digests (page-digests.ts); null for a resumed one. */
  digests?: MetDigests | null;
}

/** Deletes what a successful full run did not see (within the guard) and marks the run SUCCEEDED, or FAILED when the guard trips. */
export async function succeedRun(rt: Runtime, run: FinishingRun): Promise<Ending> {
  return rt.db.transaction(async (tx) => {
    const [held] = await rows<{ cancel_requested: boolean }>(tx, sql`
      SELECT cancel_requested FROM sync_runs
      WHERE id = ${run.runId} AND lease_owner = ${rt.instanceId} AND status = 'RUNNING' FOR UPDATE`);
    if (!held) throw new LeaseLostError(run.runId);
    if (held.cancel_requested) return endRun(tx, rt, run.runId, { status: 'CANCELLED' });

    let deleted = 0;
    if (run.full) {
      // Records and seen ids are both collection-sized and freshly written, so
      // the planner's row estimates can be far off; a nested loop between them
      // is quadratic (hours at 100k records). Hash joins are linear either way.
      await tx.execute(sql`SET LOCAL enable_nestloop = off`);
      // The live count is only needed for the guard, i.e. when something is missing.
      const [{ missing }] = (await rows<{ missing: number }>(tx, sql`
        SELECT count(*)::int AS missing FROM records r
        WHERE r.collection_id = ${run.collectionId} AND r.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM (${seenIds(run.runId)}) s WHERE s.external_id = r.external_id)`)) as [{ missing: number }];
      if (missing > 0) {
        const [{ live }] = (await rows<{ live: number }>(tx, sql`
          SELECT count(*)::int AS live FROM records WHERE collection_id = ${run.collectionId} AND deleted_at IS NULL`)) as [{ live: number }];
        const ratio = rt.config.deleteGuardRatio;
        if (missing > ratio * live) {
          return endRun(tx, rt, run.runId, { status: 'FAILED', error: guardMessage(missing, live, ratio) });
        }
        deleted = await deleteUnseen(tx, run);
      }
      if (run.digests) await settleDigests(tx, run.digests);
    }
    if (run.incremental && run.maxCursor !== null) {
      const [c] = await rows<{ watermark: string | null }>(tx, sql`
        SELECT watermark FROM collections WHERE id = ${run.collectionId} FOR UPDATE`);
      const next = advanceWatermark(run.incremental, c?.watermark ?? null, run.maxCursor);
      await tx.execute(sql`UPDATE collections SET watermark = ${next} WHERE id = ${run.collectionId}`);
    }
    return endRun(tx, rt, run.runId, { status: 'SUCCEEDED', deleted });
  });
}

/**
 * FAILED or CANCELLED; nothing is deleted. `stats`, when given, is the
 * progress to report, including pages read but not yet committed (a run that
 * ends does not resume, so nothing else of theirs is needed). Throws
 * LeaseLostError when another instance holds the run.
 */
export async function abandonRun(rt: Runtime, runId: string, ending: Exclude<Ending, { status: 'SUCCEEDED' }>, stats?: SyncStats): Promise<Ending> {
  return rt.db.transaction(async (tx) => {
    const [held] = await rows<{ id: string }>(tx, sql`
      SELECT id FROM sync_runs
      WHERE id = ${runId} AND lease_owner = ${rt.instanceId} AND status = 'RUNNING' FOR UPDATE`);
    if (!held) throw new LeaseLostError(runId);
    return endRun(tx, rt, runId, ending, stats);
  });
}

/**
 * Soft-deletes the live records the run did not see, each with a version
 * bump and a DELETED event carrying its last data. One statement allocates
 * all the event ids, so the append lock is taken right before it.
 */
async function deleteUnseen(tx: Tx, run: FinishingRun): Promise<number> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${EVENT_APPEND_LOCK}::bigint), pg_notify(${Channels.events}, '')`);
  const [row] = await rows<{ n: number }>(tx, sql`
    WITH gone AS (
      UPDATE records r SET deleted_at = now(), version = r.version + 1, updated_at = now()
      WHERE r.collection_id = ${run.collectionId} AND r.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM (${seenIds(run.runId)}) s WHERE s.external_id = r.external_id)
      RETURNING r.collection_id, r.external_id, r.data, r.version
    ),
    events AS (
      INSERT INTO record_events (type, collection_id, external_id, data, version, run_id)
      SELECT 'DELETED', collection_id, external_id, data, version, ${run.runId}::uuid FROM gone ORDER BY external_id
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM events`);
  return row?.n ?? 0;
}

async function endRun(tx: Tx, rt: Runtime, runId: string, ending: Ending, stats?: SyncStats): Promise<Ending> {
  await tx.execute(forgetSeen(runId));
  const counts = stats
    ? sql`pages = ${stats.pages}, requests = ${stats.requests}, retries = ${stats.retries},
        fetched = ${stats.fetched}, created = ${stats.created}, updated = ${stats.updated},
        unchanged = ${stats.unchanged}, failed = ${stats.failed},`
    : sql``;
  await tx.execute(sql`
    UPDATE sync_runs SET
      ${counts}
      status = ${ending.status},
      error = ${ending.status === 'FAILED' ? ending.error : null},
      deleted = ${ending.status === 'SUCCEEDED' ? ending.deleted : 0},
      finished_at = now(),
      lease_expires_at = NULL
    WHERE id = ${runId}`);
  await tx.execute(sql`SELECT pg_notify(${Channels.runProgress}, ${runId})`);
  return ending;
}

function guardMessage(missing: number, live: number, ratio: number): string {
  const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;
  return (
    `delete guard: this full run would delete ${missing} of ${live} live records (${pct(missing / live)}), ` +
    `more than the allowed ${pct(ratio)}; nothing was deleted. If the source really removed them, ` +
    `raise TRIBUTARY_DELETE_GUARD_RATIO (0..1, 1 allows deleting everything) and run a full sync again; ` +
    `otherwise check why the source answered with fewer records (an empty or partial response, a changed filter or credentials).`
  );
}
