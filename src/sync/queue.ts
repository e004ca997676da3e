/**
 * The run queue lives in sync_runs. A worker claims a QUEUED run, or a
 * RUNNING one whose lease ran out (its worker crashed or was cut off), with
 * FOR UPDATE SKIP LOCKED: instances polling at once each get a different
 * run or none, never the same one, and never wait on each other's locks.
 * The lease is this instance's claim for `runLeaseMs`; it is renewed while
 * the run goes on, and every page transaction checks it (see write-page.ts).
 */
import { sql } from 'drizzle-orm';
import { rows } from '../db/client';
import { Channels } from '../events/notifier';
import type { Runtime } from '../runtime';
import { findRun, type RunRow } from './runs';

/** Claims after which a run that keeps losing its worker is given up on (e.g. it crashes the process). */
export const MAX_ATTEMPTS = 10;

const leaseFor = (rt: Runtime) => sql`now() + ${rt.config.runLeaseMs}::int * interval '1 millisecond'`;

/** The oldest claimable run, now leased to this instance, or null. */
export async function claimRun(rt: Runtime): Promise<RunRow | null> {
  const [row] = await rows<{ id: string }>(rt.db, sql`
    UPDATE sync_runs SET
      status = 'RUNNING',
      lease_owner = ${rt.instanceId},
      lease_expires_at = ${leaseFor(rt)},
      attempts = attempts + 1,
      started_at = coalesce(started_at, now())
    WHERE id = (
      SELECT id FROM sync_runs
      WHERE status = 'QUEUED' OR (status = 'RUNNING' AND lease_expires_at <= now())
      ORDER BY created_at
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    )
    RETURNING id`);
  if (!row) return null;
  await notifyProgress(rt, row.id);
  // Read back through drizzle so the row has its usual (camelCase, typed) shape.
  return findRun(rt, row.id);
}

/**
 * Extends the lease. Returns null when this instance no longer holds it (it
 * MUST then stop writing), else whether a cancel was requested.
 */
export async function renewLease(rt: Runtime, runId: string): Promise<{ cancelRequested: boolean } | null> {
  const [row] = await rows<{ cancel_requested: boolean }>(rt.db, sql`
    UPDATE sync_runs SET lease_expires_at = ${leaseFor(rt)}
    WHERE id = ${runId} AND lease_owner = ${rt.instanceId} AND status = 'RUNNING'
    RETURNING cancel_requested`);
  return row ? { cancelRequested: row.cancel_requested } : null;
}

/**
 * Gives a run back on a clean stop: still RUNNING, but with its lease
 * expired, so the next instance to poll (or this one after a restart)
 * resumes it from its checkpoint at once instead of after runLeaseMs. The
 * claim is not counted against MAX_ATTEMPTS: a stop is not a failure.
 */
export async function releaseRun(rt: Runtime, runId: string): Promise<void> {
  await rt.db.execute(sql`
    UPDATE sync_runs SET lease_expires_at = now(), attempts = greatest(attempts - 1, 0)
    WHERE id = ${runId} AND lease_owner = ${rt.instanceId} AND status = 'RUNNING'`);
  await rt.db.execute(sql`SELECT pg_notify(${Channels.runs}, ${runId})`);
}

export async function notifyProgress(rt: Runtime, runId: string): Promise<void> {
  await rt.db.execute(sql`SELECT pg_notify(${Channels.runProgress}, ${runId})`);
}

/** An incremental run's since-value, fixed when it starts so that a resumed run asks the same question. */
export async function saveSinceValue(rt: Runtime, runId: string, since: string | null): Promise<boolean> {
  const updated = await rows<{ id: string }>(rt.db, sql`
    UPDATE sync_runs SET since_value = ${since}
    WHERE id = ${runId} AND lease_owner = ${rt.instanceId} AND status = 'RUNNING'
    RETURNING id`);
  return updated.length > 0;
}
