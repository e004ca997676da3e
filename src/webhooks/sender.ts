/**
 * Sends one claimed webhook's batches, oldest first, one at a time, until it
 * is caught up, paused, its next retry is far off, or the lease is gone. A
 * batch that fails is retried (same delivery id, same body) before anything
 * after it goes out: receivers see first arrivals in event order.
 */
import type { Dispatcher } from 'undici';
import type { WebhookConfig } from '../config';
import { findWebhook, type DeliveryRow } from '../catalog/webhooks';
import { sleep } from '../connectors/retry';
import type { Runtime } from '../runtime';
import { deliveryEvents, markDelivered, markFailed, nextDelivery } from './deliveries';
import { deliveryBody, sign } from './payload';
import { postBatch } from './send';

/** A retry due within this long is waited for while holding the lease; a later one hands the webhook back. */
const HOLD_MS = 5_000;

export interface SenderContext {
  rt: Runtime;
  settings: WebhookConfig;
  dispatcher: Dispatcher;
}

export async function sendWebhook(ctx: SenderContext, webhookId: string, signal: AbortSignal): Promise<void> {
  const { rt, settings } = ctx;
  const body = { deliveryId: '', text: '' };
  while (!signal.aborted) {
    const w = await findWebhook(rt, webhookId);
    if (!w || w.status !== 'ACTIVE') return;
    const d = await nextDelivery(rt, w, settings.batchSize);
    if (!d) return;
    const wait = (d.nextAttemptAt?.getTime() ?? 0) - Date.now();
    if (wait > HOLD_MS) return;
    await sleep(wait, signal);

    // Built once per batch here; a retry from elsewhere rebuilds the very same bytes.
    if (body.deliveryId !== d.id) {
      const events = await deliveryEvents(rt, w, d);
      if (events.length === 0) {
        // Never an empty POST: the events are gone, so is the batch.
        await markDelivered(rt, w.id, d, null, 'not sent: its events were pruned by retention first');
        rt.log.warn({ webhookId, deliveryId: d.id, events: d.eventCount }, 'webhook batch skipped: its events were pruned');
        continue;
      }
      Object.assign(body, { deliveryId: d.id, text: deliveryBody(events) });
    }
    const headers: Record<string, string> = { 'x-tributary-delivery': d.id };
    if (w.secret) headers['x-tributary-signature'] = sign(rt.sealer.open(w.secret), body.text);

    const outcome = await postBatch(ctx.dispatcher, { url: w.url, body: body.text, headers, timeoutMs: settings.timeoutMs }, signal);
    const attempt = d.attempts + 1;
    if (outcome.ok) {
      await markDelivered(rt, w.id, d, outcome.status);
      rt.log.debug({ webhookId, deliveryId: d.id, events: d.eventCount, attempt }, 'webhook batch delivered');
      continue;
    }
    const { paused, delayMs } = await markFailed(rt, settings, w.id, d, outcome);
    logFailure(rt, d, webhookId, attempt, outcome.error, paused, delayMs);
    if (paused) return;
  }
}

function logFailure(rt: Runtime, d: DeliveryRow, webhookId: string, attempt: number, error: string, paused: boolean, delayMs: number) {
  const fields = { webhookId, deliveryId: d.id, attempt, error };
  if (paused) rt.log.error(fields, 'webhook batch failed its last attempt; webhook paused until resumed');
  else rt.log.warn({ ...fields, retryInMs: delayMs }, 'webhook batch attempt failed');
}
