/**
 * Which instance sends to which webhook. A webhook is claimed with a lease
 * (webhooks.lease_owner / lease_expires_at) so that exactly one sender POSTs
 * to it at a time: that is what keeps batches in order across instances. The
 * claim takes the row with FOR UPDATE SKIP LOCKED, so instances polling at
 * once each get a different webhook or none and never wait on each other. A
 * sender renews its lease while it works; an instance that dies stops
 * renewing, and another claims the webhook once the lease has run out and
 * goes on from the progress stored in the database.
 */
import { sql } from 'drizzle-orm';
import { rows } from '../db/client';
import type { Runtime } from '../runtime';

const leaseFor = (leaseMs: number) => sql`now() + ${leaseMs}::int * interval '1 millisecond'`;

/**
 * Claims one ACTIVE webhook with work to do (events past its progress, or an open batch) whose
 * lease is free or ran out, and whose open batch (if any) is due. `busy` are
 * the webhooks this instance already sends to: never claimed twice here.
 */
export async function claimWebhook(rt: Runtime, leaseMs: number, busy: string[]): Promise<string | null> {
  const [row] = await rows<{ id: string }>(rt.db, sql`
    UPDATE webhooks SET lease_owner = ${rt.instanceId}, lease_expires_at = ${leaseFor(leaseMs)}
    WHERE id = (
      SELECT w.id FROM webhooks w
      WHERE w.status = 'ACTIVE'
        AND (w.lease_owner IS NULL OR w.lease_expires_at <= now())
        AND (w.last_event_id < (SELECT coalesce(max(id), 0) FROM record_events)
          OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'PENDING'))
        AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries d
          WHERE d.webhook_id = w.id AND d.status = 'PENDING' AND d.next_attempt_at > now())
        AND NOT (w.id = ANY(${`{${busy.join(',')}}`}::uuid[]))
      -- The one served longest ago first, so a busy webhook does not starve the others.
      ORDER BY w.lease_expires_at NULLS FIRST, w.id
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    )
    RETURNING id`);
  return row?.id ?? null;
}

/** Extends the lease; false when this instance no longer holds it (it MUST then stop sending). */
export async function renewWebhookLease(rt: Runtime, webhookId: string, leaseMs: number): Promise<boolean> {
  const held = await rows<{ id: string }>(rt.db, sql`
    UPDATE webhooks SET lease_expires_at = ${leaseFor(leaseMs)}
    WHERE id = ${webhookId} AND lease_owner = ${rt.instanceId}
    RETURNING id`);
  return held.length > 0;
}

/** Hands a webhook back: claimable at once, by any instance. */
export async function releaseWebhook(rt: Runtime, webhookId: string): Promise<void> {
  await rt.db.execute(sql`
    UPDATE webhooks SET lease_owner = NULL, lease_expires_at = now()
    WHERE id = ${webhookId} AND lease_owner = ${rt.instanceId}`);
}
