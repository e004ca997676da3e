/**
 * The run worker of one instance: up to `workerConcurrency` runs at once,
 * claimed from the queue in the database. It wakes on NOTIFY tributary_runs
 * (a run was queued or released) and also polls, because a run whose worker
 * died announces nothing: it only becomes claimable when its lease runs out.
 */
import type { Worker } from '../app';
import { Channels, nextNotification } from '../events/notifier';
import type { Runtime } from '../runtime';
import { executeRun, type Interruption } from './execute-run';
import { claimRun, releaseRun, renewLease } from './queue';
import type { RunRow } from './runs';

/** How often an idle worker looks for expired leases, in ms. */
const POLL_MS = 1_000;
/** How long stop() waits for runs to checkpoint and hand back their leases, in ms. */
const STOP_WAIT_MS = 7_000;

interface ActiveRun {
  interrupt(why: Interruption): void;
  done: Promise<void>;
}

export function createRunWorker(rt: Runtime): Worker {
  const active = new Map<string, ActiveRun>();
  const stopping = new AbortController();
  let wakeUp = new AbortController();
  let loop: Promise<void> = Promise.resolve();

  const wake = () => wakeUp.abort();

  async function claimLoop(): Promise<void> {
    while (!stopping.signal.aborted) {
      if (active.size < rt.config.workerConcurrency) {
        let run: RunRow | null = null;
        try {
          run = await claimRun(rt);
        } catch (err) {
          rt.log.error({ err }, 'claiming a run failed; trying again shortly');
        }
        if (run && stopping.signal.aborted) {
          await releaseRun(rt, run.id).catch(() => {});
          break;
        }
        if (run) {
          launch(run);
          continue;
        }
      }
      // Re-armed before waiting, so a wake-up between the claim and here is not lost.
      if (wakeUp.signal.aborted) wakeUp = new AbortController();
      await nextNotification(rt.notifier, Channels.runs, POLL_MS, AbortSignal.any([stopping.signal, wakeUp.signal]));
    }
  }

  function launch(run: RunRow): void {
    rt.log.info({ runId: run.id, collectionId: run.collectionId, mode: run.mode, attempt: run.attempts }, 'run claimed');
    const abort = new AbortController();
    let interruption: Interruption | null = null;
    const interrupt = (why: Interruption) => {
      if (interruption) return;
      interruption = why;
      abort.abort();
    };
    // Renewal also notices a cancel while a slow page is still being fetched.
    let renewing = false;
    const renewal = setInterval(() => {
      if (renewing) return;
      renewing = true;
      renewLease(rt, run.id)
        .then((held) => {
          if (held === null) interrupt('lease-lost');
          else if (held.cancelRequested) interrupt('cancel');
        })
        .catch((err: unknown) => rt.log.warn({ err, runId: run.id }, 'lease renewal failed; retrying'))
        .finally(() => (renewing = false));
    }, Math.max(200, Math.floor(rt.config.runLeaseMs / 3)));
    const done = executeRun(rt, run, { signal: abort.signal, interruption: () => interruption })
      .catch((err: unknown) => rt.log.error({ err, runId: run.id }, 'run crashed; its lease will run out and it will be retried'))
      .finally(() => {
        clearInterval(renewal);
        active.delete(run.id);
        wake();
      });
    active.set(run.id, { interrupt, done });
  }

  return {
    start() {
      if (rt.config.workerConcurrency <= 0) return;
      // Subscribe now, so the LISTEN is in place before the first wait.
      rt.notifier.on(Channels.runs, () => {});
      loop = claimLoop().catch((err: unknown) => rt.log.error({ err }, 'run worker stopped unexpectedly'));
    },
    async stop() {
      // Stop claiming; abort fetches in flight; a page transaction under way
      // finishes, then each run hands its lease back (releaseRun).
      stopping.abort();
      for (const run of active.values()) run.interrupt('stop');
      const all = Promise.all([loop, ...[...active.values()].map((r) => r.done)]);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)));
      await Promise.race([all, timeout]);
      clearTimeout(timer);
      if (active.size > 0) rt.log.warn({ runs: [...active.keys()] }, 'runs still busy at stop; their leases will run out');
    },
  };
}
