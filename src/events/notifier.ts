import { EventEmitter } from 'node:events';
import type { Database } from '../db/client';
import type { Logger } from '../log';

/** Channels the gateway NOTIFYs on; payloads are small hints, the data is read from tables. */
export const Channels = {
  events: 'tributary_events',
  runs: 'tributary_runs',
  runProgress: 'tributary_run_progress',
  schedules: 'tributary_schedules',
} as const;
export type Channel = (typeof Channels)[keyof typeof Channels];

export interface Notifier {
  /** Calls `fn` with each payload NOTIFYed on `channel` by any instance; returns an unsubscribe. */
  on(channel: Channel, fn: (payload: string) => void): () => void;
  /** Resolves once this instance LISTENs on `channel` (after `on`), or the attempt failed (then polling covers it). */
  listening?(channel: Channel): Promise<void>;
  close(): Promise<void>;
}

/**
 * One LISTEN per channel per instance, shared by every subscriber here, so a
 * thousand subscriptions cost one database session, not a thousand.
 */
export function createNotifier(database: Database, log: Logger): Notifier {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const listening = new Map<Channel, Promise<() => Promise<void>>>();
  return {
    on(channel, fn) {
      if (!listening.has(channel)) {
        const unlisten = database.listen(channel, (payload) => emitter.emit(channel, payload));
        unlisten.catch((err) => {
          log.error({ err, channel }, 'LISTEN failed');
          listening.delete(channel);
        });
        listening.set(channel, unlisten);
      }
      emitter.on(channel, fn);
      return () => emitter.off(channel, fn);
    },
    async listening(channel) {
      await listening.get(channel)?.catch(() => {});
    },
    async close() {
      emitter.removeAllListeners();
      for (const unlisten of listening.values()) await (await unlisten.catch(() => async () => {}))();
      listening.clear();
    },
  };
}

/**
 * Resolves on the next notification on `channel`, after `timeoutMs`, or when
 * `signal` aborts, whichever is first. Polling at the timeout covers a
 * notification lost while a listening connection was being re-established.
 */
export function nextNotification(notifier: Notifier, channel: Channel, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const off = notifier.on(channel, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
