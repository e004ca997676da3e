/**
 * "At most N requests in any window of perSeconds", per source, shared by
 * every run of that source in this process.
 *
 * A sliding log, exact rather than a token bucket's approximation: a slot is
 * held from the moment a request is let through until its response has been
 * read, and it counts against the window from that release time. The server
 * sees each request somewhere between those two instants, so two requests N
 * slots apart reach it at least a full window apart whatever the latency —
 * counting from the start instead would let network jitter push N+1 requests
 * into one of the server's windows. Waiters are served first come, first
 * served.
 */
import type { RateLimit, SourceConfig } from '../domain';
import type { Send } from './http';

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class SlidingWindowLimiter {
  /** Release times (performance.now() ms) of recent requests; Infinity while in flight. */
  private readonly slots: { at: number }[] = [];
  private readonly waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private limit: RateLimit) {}

  configure(limit: RateLimit): void {
    this.limit = limit;
    this.pump();
  }

  /** Waits for a slot; call the returned function once the response has been read. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.pump();
    });
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const windowMs = this.limit.perSeconds * 1000;
    const now = performance.now();
    // Drop slots released a full window ago; in-flight ones (Infinity) stay.
    for (let i = this.slots.length - 1; i >= 0; i--) if (this.slots[i]!.at <= now - windowMs) this.slots.splice(i, 1);

    while (this.waiters.length > 0 && this.slots.length < this.limit.requests) {
      const waiter = this.waiters.shift()!;
      if (waiter.onAbort) waiter.signal!.removeEventListener('abort', waiter.onAbort);
      const slot = { at: Infinity };
      this.slots.push(slot);
      let released = false;
      waiter.resolve(() => {
        if (released) return;
        released = true;
        slot.at = performance.now();
        this.pump();
      });
    }
    if (this.waiters.length === 0) return;
    // Wake when the oldest released slot leaves the window; if every slot is
    // in flight, a release will pump instead. Timers may fire a little early,
    // which is harmless: pump re-checks against the clock.
    const oldest = Math.min(...this.slots.map((s) => s.at));
    if (Number.isFinite(oldest)) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(oldest + windowMs - now)));
    }
  }
}

const limiters = new Map<string, SlidingWindowLimiter>();

/** The process-wide limiter of a source, or null when it has no rate limit. */
export function rateLimiterFor(source: SourceConfig): SlidingWindowLimiter | null {
  if (!source.rateLimit) return null;
  let limiter = limiters.get(source.id);
  if (!limiter) limiters.set(source.id, (limiter = new SlidingWindowLimiter(source.rateLimit)));
  else limiter.configure(source.rateLimit);
  return limiter;
}

export function forgetRateLimiter(sourceId?: string): void {
  if (sourceId === undefined) limiters.clear();
  else limiters.delete(sourceId);
}

export function withRateLimit(send: Send, limiter: SlidingWindowLimiter | null): Send {
  if (!limiter) return send;
  return async (req, signal) => {
    const release = await limiter.acquire(signal);
    try {
      return await send(req, signal);
    } finally {
      release();
    }
  };
}
