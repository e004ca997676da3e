import { decodeId, encodeId } from '../../catalog/ids';
import { RECORD_EVENT_TYPES, type RecordEventType } from '../../domain';
import { Channels, nextNotification } from '../../events/notifier';
import { openEventStream, type EventRow } from '../../events/stream';
import { findRun, getRun, type RunRow } from '../../sync/runs';
import { builder } from '../builder';
import { SyncRunRef } from './refs';

export const RecordEventTypeEnum = builder.enumType('RecordEventType', { values: RECORD_EVENT_TYPES });

const RecordEventRef = builder.objectRef<EventRow>('RecordEvent').implement({
  fields: (t) => ({
    id: t.id({
      description: 'Opaque, strictly increasing within the gateway; pass it as `after` to resume.',
      resolve: (e) => String(e.id),
    }),
    type: t.field({ type: RecordEventTypeEnum, resolve: (e) => e.type as RecordEventType }),
    collectionId: t.id({ resolve: (e) => encodeId('Collection', e.collectionId) }),
    externalId: t.exposeString('externalId'),
    data: t.field({ type: 'JSON', description: 'The record as stored after the change (before it, for DELETED).', resolve: (e) => e.data }),
    version: t.exposeInt('version'),
    runId: t.id({ nullable: true, resolve: (e) => (e.runId ? encodeId('SyncRun', e.runId) : null) }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Ends the generator's wait when the client goes away. */
function abortOnReturn(): { signal: AbortSignal; abort: () => void } {
  const controller = new AbortController();
  return { signal: controller.signal, abort: () => controller.abort() };
}

builder.subscriptionFields((t) => ({
  recordEvents: t.field({
    type: RecordEventRef,
    description:
      'Every change of every record the caller may see, filtered. With `after`, first replays the kept events that came after that event id ("0": from the first kept event), then goes on live, with no gap and no repeat.',
    args: {
      collectionId: t.arg.id(),
      types: t.arg({ type: [RecordEventTypeEnum] }),
      after: t.arg.id(),
    },
    // Not a generator: a bad or pruned `after` then fails the subscription
    // up front (one error result), before anything is streamed.
    subscribe: (_root, args, { rt }) =>
      openEventStream(rt, {
        collectionId: args.collectionId ? decodeId('Collection', args.collectionId) : null,
        types: args.types,
        after: args.after,
      }),
    resolve: (event) => event,
  }),
  syncRunUpdated: t.field({
    type: SyncRunRef,
    description: "The run now, then again on every change of its status or stats; ends after the run's final state.",
    args: { runId: t.arg.id({ required: true }) },
    subscribe: async function* (_root, { runId }, { rt }) {
      const id = decodeId('SyncRun', runId);
      let run: RunRow | null = await getRun(rt, id);
      let seen = '';
      const { signal, abort } = abortOnReturn();
      try {
        while (run && !signal.aborted) {
          const woken = nextNotification(rt.notifier, Channels.runProgress, 1000, signal);
          const snapshot = JSON.stringify(run);
          if (snapshot !== seen) {
            seen = snapshot;
            yield run;
          }
          if (TERMINAL.has(run.status)) return;
          await woken;
          run = await findRun(rt, id);
        }
      } finally {
        abort();
      }
    },
    resolve: (run) => run,
  }),
}));
