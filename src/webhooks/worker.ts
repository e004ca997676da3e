/**
 * The webhook worker of one instance: up to `concurrency` webhooks at once,
 * each claimed with a lease (leases.ts) and served by sendWebhook. It wakes
 * on NOTIFY tributary_events (new events committed) and also polls, for
 * retries coming due, leases of dead instances running out, and a NOTIFY
 * the sync engine did not send or a reconnecting LISTEN missed.
 */
import { Agent } from 'undici';
import type { Worker } from '../app';
import { Channels, nextNotification } from '../events/notifier';
import type { Runtime } from '../runtime';
import { LeaseLostError } from './deliveries';
import { claimWebhook, releaseWebhook, renewWebhookLease } from './leases';
import { sendWebhook, type SenderContext } from './sender';
import { webhookSettings } from './settings';

/** How often an idle worker looks for due work, in ms. */
const POLL_MS = 1_000;
/** How long stop() waits for senders to hand their webhooks back, in ms. */
const STOP_WAIT_MS = 3_000;
/** Pause after an unexpected error (the database is away?) before the webhook is claimable again, in ms. */
const ERROR_PAUSE_MS = 1_000;

interface ActiveSender {
  abort: AbortController;
  done: Promise<void>;
}

export function createWebhookWorker(rt: Runtime): Worker {
  const settings = webhookSettings(rt.config);
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: settings.timeoutMs } });
  const ctx: SenderContext = { rt, settings, dispatcher };
  const active = new Map<string, ActiveSender>();
  const stopping = new AbortController();
  let wakeUp = new AbortController();
  let loop: Promise<void> = Promise.resolve();

  async function claimLoop(): Promise<void> {
    while (!stopping.signal.aborted) {
      if (active.size < settings.concurrency) {
        let id: string | null = null;
        try {
          id = await claimWebhook(rt, settings.leaseMs, [...active.keys()]);
        } catch (err) {
          rt.log.error({ err }, 'claiming a webhook failed; trying again shortly');
        }
        if (id && stopping.signal.aborted) {
          await releaseWebhook(rt, id).catch(() => {});
          break;
        }
        if (id) {
          launch(id);
          continue;
        }
      }
      // Re-armed before waiting, so a wake-up between the claim and here is not lost.
      if (wakeUp.signal.aborted) wakeUp = new AbortController();
      await nextNotification(rt.notifier, Channels.events, POLL_MS, AbortSignal.any([stopping.signal, wakeUp.signal]));
    }
  }

  function launch(webhookId: string): void {
    const abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, stopping.signal]);
    // Renewal also notices a lost lease (a long pause, the webhook deleted) and stops the POST in flight.
    let renewing = false;
    const renewal = setInterval(() => {
      if (renewing) return;
      renewing = true;
      renewWebhookLease(rt, webhookId, settings.leaseMs)
        .then((held) => {
          if (!held) abort.abort(new LeaseLostError(webhookId));
        })
        .catch((err: unknown) => rt.log.warn({ err, webhookId }, 'webhook lease renewal failed; retrying'))
        .finally(() => (renewing = false));
    }, Math.max(200, Math.floor(settings.leaseMs / 3)));

    const done = sendWebhook(ctx, webhookId, signal)
      .catch(async (err: unknown) => {
        if (signal.aborted || err instanceof LeaseLostError) return;
        rt.log.error({ err, webhookId }, 'webhook sender failed');
        await new Promise((r) => setTimeout(r, ERROR_PAUSE_MS));
      })
      .finally(async () => {
        clearInterval(renewal);
        await releaseWebhook(rt, webhookId).catch((err: unknown) => rt.log.warn({ err, webhookId }, 'releasing a webhook failed; its lease will run out'));
        active.delete(webhookId);
        wakeUp.abort();
      });
    active.set(webhookId, { abort, done });
  }

  return {
    start() {
      if (settings.concurrency <= 0) return;
      // Subscribe now, so the LISTEN is in place before the first wait.
      rt.notifier.on(Channels.events, () => {});
      loop = claimLoop().catch((err: unknown) => rt.log.error({ err }, 'webhook worker stopped unexpectedly'));
    },
    async stop() {
      // Abort POSTs in flight (the batch stays PENDING and is sent again, same
      // id, by whoever claims the webhook next), then hand the leases back.
      stopping.abort();
      const all = Promise.all([loop, ...[...active.values()].map((s) => s.done)]);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)));
      await Promise.race([all, timeout]);
      clearTimeout(timer);
      if (active.size > 0) rt.log.warn({ webhooks: [...active.keys()] }, 'webhook senders still busy at stop; their leases will run out');
      await dispatcher.destroy().catch(() => {});
    },
  };
}
