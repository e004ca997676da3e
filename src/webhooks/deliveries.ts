/**
 * The delivery log and the progress of each webhook. A batch is a
 * webhook_deliveries row with a fixed event range, written BEFORE its first
 * attempt, so every retry (after a crash too, from any instance) sends the
 * same events under the same delivery id. Progress (webhooks.last_event_id)
 * moves only in the transaction that marks a batch DELIVERED: a crash
 * between the receiver's 2xx and that commit re-sends one batch, nothing is
 * lost. Every write here first locks the webhook row and checks the lease,
 * so a sender whose lease ran out cannot touch what its successor owns.
 */
import { and, asc, between, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { WebhookConfig } from '../config';
import { rows, type Tx } from '../db/client';
import { recordEvents, webhookDeliveries } from '../db/schema';
import type { DeliveryRow, WebhookRow } from '../catalog/webhooks';
import type { EventRow } from './payload';
import type { Runtime } from '../runtime';
import { retryDelayMs } from './settings';

/** This instance's lease on the webhook is gone: stop, the new holder goes on. */
export class LeaseLostError extends Error {
  constructor(webhookId: string) {
    super(`lost the lease on webhook ${webhookId}`);
  }
}

async function lockLeased(tx: Tx, rt: Runtime, webhookId: string): Promise<{ last_event_id: string }> {
  const [row] = await rows<{ last_event_id: string }>(tx, sql`
    SELECT last_event_id::text FROM webhooks
    WHERE id = ${webhookId} AND lease_owner = ${rt.instanceId} AND status = 'ACTIVE'
    FOR UPDATE`);
  if (!row) throw new LeaseLostError(webhookId);
  return row;
}

/** The events a webhook receives: its collection and types only. */
function filterOf(w: WebhookRow): SQL[] {
  const scope: SQL[] = [];
  if (w.collectionId) scope.push(eq(recordEvents.collectionId, w.collectionId));
  if (w.types?.length) scope.push(inArray(recordEvents.type, w.types));
  return scope;
}

/** The open batch: one left PENDING by this or an earlier holder, else a new one, else null (caught up). */
export async function nextDelivery(rt: Runtime, w: WebhookRow, batchSize: number): Promise<DeliveryRow | null> {
  return rt.db.transaction(async (tx) => {
    const { last_event_id } = await lockLeased(tx, rt, w.id);
    const [open] = await tx
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.webhookId, w.id), eq(webhookDeliveries.status, 'PENDING')))
      .orderBy(asc(webhookDeliveries.firstEventId))
      .limit(1);
    if (open) return open;
    const last = Number(last_event_id);
    // Ids commit in order (appends are serialised), so every id up to the head is committed and final.
    const [head] = await rows<{ id: string }>(tx, sql`SELECT coalesce(max(id), 0)::text AS id FROM record_events`);
    const headId = Number(head!.id);
    if (headId <= last) return null;
    const ids = await tx
      .select({ id: recordEvents.id })
      .from(recordEvents)
      .where(and(sql`${recordEvents.id} > ${last}`, sql`${recordEvents.id} <= ${headId}`, ...filterOf(w)))
      .orderBy(asc(recordEvents.id))
      .limit(batchSize);
    if (ids.length === 0) {
      // Nothing for this webhook up to the head: skip past the others' events.
      await tx.execute(sql`UPDATE webhooks SET last_event_id = ${headId}, updated_at = now() WHERE id = ${w.id}`);
      return null;
    }
    const [created] = await tx
      .insert(webhookDeliveries)
      .values({
        webhookId: w.id,
        status: 'PENDING',
        firstEventId: ids[0]!.id,
        lastEventId: ids[ids.length - 1]!.id,
        eventCount: ids.length,
        nextAttemptAt: sql`now()`,
      })
      .returning();
    return created!;
  });
}

/** The batch's events, in order: the same rows on every attempt. */
export function deliveryEvents(rt: Runtime, w: WebhookRow, d: DeliveryRow): Promise<EventRow[]> {
  return rt.db
    .select()
    .from(recordEvents)
    .where(and(between(recordEvents.id, d.firstEventId, d.lastEventId), ...filterOf(w)))
    .orderBy(asc(recordEvents.id));
}

/**
 * The receiver said 2xx: the batch is DELIVERED and the webhook's progress
 * moves past it, together. Without a status, nothing was sent: retention
 * pruned the batch's events first (a webhook paused for longer than
 * eventRetentionDays), and `note` says so in the log.
 */
export async function markDelivered(rt: Runtime, webhookId: string, d: DeliveryRow, status: number | null, note: string | null = null): Promise<void> {
  await rt.db.transaction(async (tx) => {
    await lockLeased(tx, rt, webhookId);
    await tx.execute(sql`
      UPDATE webhook_deliveries SET status = 'DELIVERED', attempts = attempts + ${status === null ? 0 : 1}, last_status_code = ${status},
        last_error = ${note}, next_attempt_at = NULL, updated_at = now()
      WHERE id = ${d.id}`);
    await tx.execute(sql`
      UPDATE webhooks SET last_event_id = greatest(last_event_id, ${d.lastEventId}), updated_at = now()
      WHERE id = ${webhookId}`);
  });
}

export interface FailedAttempt {
  status: number | null;
  error: string;
  retryAfterMs?: number;
}

/**
 * Counts a failed attempt. Below the limit the batch waits for its backoff;
 * at the limit it is FAILED and the webhook PAUSED (later batches wait too)
 * until an admin resumes it.
 */
export async function markFailed(
  rt: Runtime,
  settings: WebhookConfig,
  webhookId: string,
  d: DeliveryRow,
  failure: FailedAttempt,
): Promise<{ paused: boolean; delayMs: number }> {
  return rt.db.transaction(async (tx) => {
    await lockLeased(tx, rt, webhookId);
    const [row] = await rows<{ attempts: number }>(tx, sql`SELECT attempts FROM webhook_deliveries WHERE id = ${d.id} FOR UPDATE`);
    const attempts = (row?.attempts ?? d.attempts) + 1;
    const paused = attempts >= settings.maxAttempts;
    const delayMs = paused ? 0 : retryDelayMs(settings, attempts, failure.retryAfterMs);
    await tx.execute(sql`
      UPDATE webhook_deliveries SET status = ${paused ? 'FAILED' : 'PENDING'}, attempts = ${attempts},
        last_status_code = ${failure.status}, last_error = ${failure.error},
        next_attempt_at = ${paused ? null : sql`now() + ${delayMs}::int * interval '1 millisecond'`}, updated_at = now()
      WHERE id = ${d.id}`);
    if (paused) await tx.execute(sql`UPDATE webhooks SET status = 'PAUSED', updated_at = now() WHERE id = ${webhookId}`);
    return { paused, delayMs };
  });
}
