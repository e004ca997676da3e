/**
 * Keeps one node-cron task per scheduled collection on this instance, in
 * step with the collections table: it reconciles every few seconds and on
 * NOTIFY tributary_schedules, so creating, changing or removing a schedule
 * anywhere takes effect on every instance within seconds, without a restart.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { isNotNull } from 'drizzle-orm';
import type { Worker } from '../app';
import { collections } from '../db/schema';
import { Channels } from '../events/notifier';
import type { Runtime } from '../runtime';
import { onTick, pruneTicks } from './ticks';

/** How often the tasks are compared with the collections table, in ms. */
const RECONCILE_MS = 2_000;
const PRUNE_EVERY = 300;

export function createScheduler(rt: Runtime): Worker {
  const tasks = new Map<string, { schedule: string; task: ScheduledTask }>();
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => void) | undefined;
  let stopped = false;
  let busy: Promise<void> | null = null;
  let rounds = 0;

  const cronLogger = {
    info: (m: string) => rt.log.debug({ cron: true }, m),
    warn: (m: string) => rt.log.debug({ cron: true }, m),
    error: (m: string | Error) => rt.log.warn({ err: m }, 'cron task error'),
    debug: () => {},
  };

  async function reconcile(): Promise<void> {
    const wanted = await rt.db
      .select({ id: collections.id, schedule: collections.schedule })
      .from(collections)
      .where(isNotNull(collections.schedule));
    if (stopped) return;
    const keep = new Set<string>();
    for (const { id, schedule } of wanted) {
      if (!schedule) continue;
      keep.add(id);
      const current = tasks.get(id);
      if (current?.schedule === schedule) continue;
      if (current) await current.task.destroy();
      try {
        const task = cron.schedule(schedule, (ctx) => onTick(rt, id, ctx.date), {
          name: `collection-${id}`,
          logger: cronLogger,
          suppressMissedWarning: true,
        });
        tasks.set(id, { schedule, task });
        rt.log.info({ collectionId: id, schedule }, current ? 'schedule changed' : 'schedule added');
      } catch (err) {
        // The admin API validates expressions; one that slips through must not stop the others.
        tasks.delete(id);
        rt.log.warn({ err, collectionId: id, schedule }, 'invalid schedule ignored');
      }
    }
    for (const [id, { task }] of tasks) {
      if (keep.has(id)) continue;
      await task.destroy();
      tasks.delete(id);
      rt.log.info({ collectionId: id }, 'schedule removed');
    }
    if (++rounds % PRUNE_EVERY === 1) await pruneTicks(rt);
  }

  /** One reconcile at a time; a request while one is running is covered by the next round. */
  function requestReconcile(): void {
    if (busy || stopped) return;
    busy = reconcile()
      .catch((err: unknown) => rt.log.warn({ err }, 'schedule reconcile failed; retrying'))
      .finally(() => (busy = null));
  }

  return {
    start() {
      unlisten = rt.notifier.on(Channels.schedules, requestReconcile);
      requestReconcile();
      timer = setInterval(requestReconcile, RECONCILE_MS);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      unlisten?.();
      await busy;
      await Promise.all([...tasks.values()].map(({ task }) => task.destroy()));
      tasks.clear();
    },
  };
}
