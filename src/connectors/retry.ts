/**
 * Retry as a layer around a Send: 429, 5xx of the retryable kind, network
 * failures, timeouts and unparsable JSON bodies are tried again, other errors
 * fail at once. The wait is the server's Retry-After when it gave one, else
 * exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): random in [0, min(maxDelayMs, baseDelayMs * 2^n)].
 * Both are capped at maxDelayMs, so a server asking for an hour cannot stall
 * a run for an hour.
 */
import type { RetryPolicy } from '../domain';
import { ConnectorError } from './errors';
import type { Send } from './http';

export interface RetryOptions {
  policy: RetryPolicy;
  /** Incremented once per retry (not per first attempt). */
  onRetry?: (error: ConnectorError, delayMs: number) => void;
}

export function withRetry(send: Send, { policy, onRetry }: RetryOptions): Send {
  return async (req, signal) => {
    for (let retry = 0; ; retry++) {
      try {
        return await send(req, signal);
      } catch (err) {
        if (!(err instanceof ConnectorError) || !err.details.retryable || signal?.aborted) throw err;
        if (retry >= policy.maxRetries) {
          throw retry === 0 ? err : new ConnectorError(`${err.message} (gave up after ${retry} retries)`, err.details);
        }
        const delay = retryDelay(retry, policy, err.details.retryAfterMs);
        onRetry?.(err, delay);
        await sleep(delay, signal);
      }
    }
  };
}

/** Milliseconds to wait before retry number `retry` (0-based). */
export function retryDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(Math.random() * ceiling);
}

/**
 * Retry-After (RFC 9110 §10.2.3) in milliseconds: delay-seconds or an
 * HTTP-date; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
