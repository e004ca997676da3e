import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { getCollection } from '../catalog/collections';
import { recordErrors, syncRuns } from '../db/schema';
import type { SyncMode, SyncStats } from '../domain';
import { BadInputError, NotFoundError } from '../errors';
import type { Runtime } from '../runtime';

export type RunRow = typeof syncRuns.$inferSelect;

export const RUNS_CHANNEL = 'tributary_runs';
/** syncRunUpdated listens here; payload: the run id. */
const PROGRESS_CHANNEL = 'tributary_run_progress';
const ACTIVE = ['QUEUED', 'RUNNING'];

export function runStats(run: RunRow): SyncStats {
  const { pages, requests, retries, fetched, created, updated, unchanged, deleted, failed } = run;
  return { pages, requests, retries, fetched, created, updated, unchanged, deleted, failed };
}

export async function findRun(rt: Runtime, id: string): Promise<RunRow | null> {
  const [row] = await rt.db.select().from(syncRuns).where(eq(syncRuns.id, id));
  return row ?? null;
}

export async function getRun(rt: Runtime, id: string): Promise<RunRow> {
  const row = await findRun(rt, id);
  if (!row) throw new NotFoundError('SyncRun', id);
  return row;
}

export function listRuns(rt: Runtime, collectionId: string, first: number): Promise<RunRow[]> {
  return rt.db
    .select()
    .from(syncRuns)
    .where(eq(syncRuns.collectionId, collectionId))
    .orderBy(desc(syncRuns.createdAt), desc(syncRuns.id))
    .limit(first);
}

export function listRecordErrors(rt: Runtime, runId: string, first: number) {
  return rt.db
    .select({ externalId: recordErrors.externalId, message: recordErrors.message })
    .from(recordErrors)
    .where(eq(recordErrors.runId, runId))
    .orderBy(recordErrors.id)
    .limit(first);
}

/**
 * Queues a run and returns it; when the collection already has a queued or
 * running one, returns that instead. The partial unique index
 * sync_runs_one_active makes this hold across instances, not just here.
 */
export async function startSync(
  rt: Runtime,
  collectionId: string,
  requestedMode: SyncMode | null | undefined,
  trigger: 'MANUAL' | 'SCHEDULE' = 'MANUAL',
): Promise<RunRow> {
  const collection = await getCollection(rt, collectionId);
  const mode: SyncMode = requestedMode ?? (collection.incremental ? 'INCREMENTAL' : 'FULL');
  if (mode === 'INCREMENTAL' && !collection.incremental) {
    throw new BadInputError('mode', 'INCREMENTAL needs the collection to have an incremental config (sinceParam, cursorPath)');
  }
  // Loop: the active run we collided with may finish before we read it.
  for (let attempt = 0; attempt < 5; attempt++) {
    const [created] = await rt.db
      .insert(syncRuns)
      .values({ collectionId, mode, status: 'QUEUED', trigger })
      .onConflictDoNothing({ target: syncRuns.collectionId, where: sql`status in ('QUEUED', 'RUNNING')` })
      .returning();
    if (created) {
      await rt.db.execute(sql`select pg_notify(${RUNS_CHANNEL}, ${created.id})`);
      rt.log.info({ runId: created.id, collectionId, mode, trigger }, 'run queued');
      return created;
    }
    const [active] = await rt.db
      .select()
      .from(syncRuns)
      .where(and(eq(syncRuns.collectionId, collectionId), inArray(syncRuns.status, ACTIVE)));
    if (active) return active;
  }
  throw new Error(`could not queue a run for collection ${collectionId}`);
}

/**
 * A queued run is cancelled at once; a running one is asked to stop, which
 * its worker does at the next page boundary (nothing is deleted either way).
 */
export async function cancelSync(rt: Runtime, runId: string): Promise<RunRow> {
  const [queued] = await rt.db
    .update(syncRuns)
    .set({ status: 'CANCELLED', finishedAt: sql`now()`, cancelRequested: true })
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, 'QUEUED')))
    .returning();
  if (queued) {
    await rt.db.execute(sql`select pg_notify(${PROGRESS_CHANNEL}, ${runId})`);
    rt.log.info({ runId }, 'run cancelled');
    return queued;
  }
  const [running] = await rt.db
    .update(syncRuns)
    .set({ cancelRequested: true })
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, 'RUNNING')))
    .returning();
  if (running) {
    rt.log.info({ runId }, 'run cancellation requested');
    return running;
  }
  return getRun(rt, runId);
}
