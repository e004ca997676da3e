import { getCollection } from '../../catalog/collections';
import { decodeId } from '../../catalog/ids';
import { SYNC_MODES, SYNC_STATUSES, type SyncStats } from '../../domain';
import { cancelSync, findRun, getRun, listRecordErrors, runStats, startSync } from '../../sync/runs';
import { builder } from '../builder';
import { CollectionRef, SyncRunRef } from './refs';

export const SyncModeEnum = builder.enumType('SyncMode', { values: SYNC_MODES });
const SyncStatusEnum = builder.enumType('SyncStatus', { values: SYNC_STATUSES });

const Stats = builder.objectRef<SyncStats>('SyncStats').implement({
  fields: (t) => ({
    pages: t.exposeInt('pages'),
    requests: t.exposeInt('requests'),
    retries: t.exposeInt('retries'),
    fetched: t.exposeInt('fetched'),
    created: t.exposeInt('created'),
    updated: t.exposeInt('updated'),
    unchanged: t.exposeInt('unchanged'),
    deleted: t.exposeInt('deleted'),
    failed: t.exposeInt('failed'),
  }),
});

const RecordError = builder.objectRef<{ externalId: string | null; message: string }>('RecordError').implement({
  fields: (t) => ({
    externalId: t.exposeString('externalId', { nullable: true }),
    message: t.exposeString('message'),
  }),
});

builder.node(SyncRunRef, {
  id: { resolve: (r) => r.id },
  loadOne: (id, { rt }) => findRun(rt, id),
  fields: (t) => ({
    collection: t.field({ type: CollectionRef, resolve: (r, _args, { rt }) => getCollection(rt, r.collectionId) }),
    mode: t.field({ type: SyncModeEnum, resolve: (r) => r.mode as (typeof SYNC_MODES)[number] }),
    status: t.field({ type: SyncStatusEnum, resolve: (r) => r.status as (typeof SYNC_STATUSES)[number] }),
    trigger: t.exposeString('trigger', { description: 'MANUAL (startSync) or SCHEDULE.' }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.startedAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.finishedAt }),
    stats: t.field({ type: Stats, resolve: (r) => runStats(r) }),
    error: t.exposeString('error', { nullable: true }),
    recordErrors: t.field({
      type: [RecordError],
      args: { first: t.arg.int() },
      resolve: (r, { first }, { rt }) => listRecordErrors(rt, r.id, Math.min(Math.max(first ?? 100, 0), 1000)),
    }),
  }),
});

builder.queryFields((t) => ({
  syncRun: t.field({
    type: SyncRunRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { rt }) => getRun(rt, decodeId('SyncRun', id)),
  }),
}));

builder.mutationFields((t) => ({
  startSync: t.field({
    type: SyncRunRef,
    description:
      'Queues a run and returns at once; follow it with syncRun or syncRunUpdated. When the collection already has a queued or running run, returns that one. mode defaults to INCREMENTAL where the collection has an incremental config, else FULL.',
    args: { collectionId: t.arg.id({ required: true }), mode: t.arg({ type: SyncModeEnum }) },
    resolve: (_root, { collectionId, mode }, { rt }) => startSync(rt, decodeId('Collection', collectionId), mode),
  }),
  cancelSync: t.field({
    type: SyncRunRef,
    description: 'A queued run is cancelled at once; a running one stops at its next page boundary. Nothing is deleted.',
    args: { runId: t.arg.id({ required: true }) },
    resolve: (_root, { runId }, { rt }) => cancelSync(rt, decodeId('SyncRun', runId)),
  }),
}));
