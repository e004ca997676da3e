import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { webhookDeliveries, webhooks } from '../db/schema';
import { Channels } from '../events/notifier';
import type { RecordEventType } from '../domain';
import { NotFoundError } from '../errors';
import type { Runtime } from '../runtime';
import { getCollection } from './collections';
import { decodeId } from './ids';
import { parseWebhookUrl } from './validate';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export interface WebhookInput {
  url: string;
  collectionId?: string | null;
  types?: RecordEventType[] | null;
  secret?: string | null;
}

export async function createWebhook(rt: Runtime, input: WebhookInput): Promise<WebhookRow> {
  const url = parseWebhookUrl(input.url);
  const collectionId = input.collectionId ? decodeId('Collection', input.collectionId) : null;
  if (collectionId) await getCollection(rt, collectionId);
  const types = input.types?.length ? [...new Set(input.types)] : null;
  const [row] = await rt.db
    .insert(webhooks)
    .values({
      url,
      collectionId,
      types,
      secret: input.secret ? rt.sealer.seal(input.secret) : null,
      // A new webhook receives what happens from now on, not the whole history.
      lastEventId: sql`(select coalesce(max(id), 0) from record_events)`,
    })
    .returning();
  rt.log.info({ webhookId: row!.id }, 'webhook created');
  return row!;
}

export async function deleteWebhook(rt: Runtime, id: string): Promise<string> {
  const [row] = await rt.db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
  if (!row) throw new NotFoundError('Webhook', id);
  rt.log.info({ webhookId: id }, 'webhook deleted');
  return id;
}

export function listWebhooks(rt: Runtime): Promise<WebhookRow[]> {
  return rt.db.select().from(webhooks).orderBy(asc(webhooks.createdAt), asc(webhooks.id));
}

export async function findWebhook(rt: Runtime, id: string): Promise<WebhookRow | null> {
  const [row] = await rt.db.select().from(webhooks).where(eq(webhooks.id, id));
  return row ?? null;
}

export function listDeliveries(rt: Runtime, webhookId: string, first: number): Promise<DeliveryRow[]> {
  return rt.db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.firstEventId))
    .limit(first);
}

/**
 * Puts a PAUSED webhook back to work: its FAILED batch becomes PENDING again,
 * due now, with fresh attempts (same delivery id, same events), and the
 * batches after it follow once it is through. Resuming an ACTIVE webhook changes nothing.
 */
export async function resumeWebhook(rt: Runtime, id: string): Promise<WebhookRow> {
  const row = await rt.db.transaction(async (tx) => {
    const [updated] = await tx.update(webhooks).set({ status: 'ACTIVE', updatedAt: sql`now()` }).where(eq(webhooks.id, id)).returning();
    if (!updated) throw new NotFoundError('Webhook', id);
    await tx
      .update(webhookDeliveries)
      .set({ status: 'PENDING', attempts: 0, nextAttemptAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(webhookDeliveries.webhookId, id), eq(webhookDeliveries.status, 'FAILED')));
    // Wakes the webhook workers of every instance; they find the batch due.
    await tx.execute(sql`SELECT pg_notify(${Channels.events}, '')`);
    return updated;
  });
  rt.log.info({ webhookId: id }, 'webhook resumed');
  return row;
}
