import type { Config, WebhookConfig } from '../config';

/**
 * Delivery defaults. With these, a batch that keeps failing is retried for
 * about ten minutes (5 s, 10 s, 20 s ... capped at 10 min) before its
 * webhook is paused for an admin to look at.
 */
export const WEBHOOK_DEFAULTS: WebhookConfig = {
  batchSize: 100,
  timeoutMs: 10_000,
  maxAttempts: 8,
  backoffBaseMs: 5_000,
  backoffMaxMs: 600_000,
  leaseMs: 30_000,
  concurrency: 4,
};

export function webhookSettings(config: Config): WebhookConfig {
  const given = Object.fromEntries(Object.entries(config.webhooks ?? {}).filter(([, v]) => v !== undefined));
  const settings = { ...WEBHOOK_DEFAULTS, ...given };
  // A lease shorter than one attempt would let a second instance send while the first still waits.
  settings.leaseMs = Math.max(settings.leaseMs, settings.timeoutMs + 1_000);
  return settings;
}

/**
 * The wait before attempt `attempts + 1`: exponential from the base, capped,
 * with jitter over its upper half so that webhooks failing together do not
 * retry in lockstep. A Retry-After from the receiver is honoured, up to the cap.
 */
export function retryDelayMs(s: WebhookConfig, attempts: number, retryAfterMs?: number): number {
  const exp = Math.min(s.backoffMaxMs, s.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
  const jittered = exp / 2 + Math.random() * (exp / 2);
  return Math.round(Math.min(s.backoffMaxMs, Math.max(jittered, retryAfterMs ?? 0)));
}
