import {
  countLiveRecords,
  createCollection,
  deleteCollection,
  findCollection,
  getCollection,
  setMapping,
  updateCollection,
} from '../../catalog/collections';
import { decodeId } from '../../catalog/ids';
import { getSource } from '../../catalog/sources';
import { PAGINATION_TYPES, type IncrementalConfig, type MappedField, type PaginationConfig } from '../../domain';
import { listRuns } from '../../sync/runs';
import { builder } from '../builder';
import { CollectionRef, MappingRef, SourceRef, SyncRunRef } from './refs';
import { MappedFieldInput } from './mapping';

const PaginationTypeEnum = builder.enumType('PaginationType', {
  values: {
    NONE: { description: 'One request, no paging.' },
    OFFSET: { description: 'offsetParam/limitParam; stops on a page shorter than pageSize or empty.' },
    PAGE: { description: 'pageParam (first page startPage, default 1)/limitParam; stops on a short or empty page, or past totalPagesPath.' },
    CURSOR: {
      description:
        'cursorParam takes the value at cursorPath in the response body, or, with cursorFromLastRecord, the value at that path in the last record; stops when the cursor is missing or hasMorePath is false.',
    },
    NEXT_URL: { description: 'Follows the URL at nextUrlPath in the body, resolved against the URL of the response (RFC 3986), until it is missing.' },
    LINK_HEADER: { description: 'Follows rel="next" of the RFC 8288 Link response header, resolved likewise, until it is missing.' },
  } satisfies Record<(typeof PAGINATION_TYPES)[number], unknown>,
});

const PaginationInput = builder.inputType('PaginationInput', {
  fields: (t) => ({
    type: t.field({ type: PaginationTypeEnum, required: true }),
    pageSize: t.int(),
    limitParam: t.string(),
    offsetParam: t.string(),
    pageParam: t.string(),
    startPage: t.int(),
    totalPagesPath: t.string(),
    cursorParam: t.string(),
    cursorPath: t.string(),
    cursorFromLastRecord: t.boolean(),
    hasMorePath: t.string(),
    nextUrlPath: t.string(),
  }),
});

const IncrementalInput = builder.inputType('IncrementalInput', {
  description: 'Incremental sync: ask only for what changed since the last successful run.',
  fields: (t) => ({
    sinceParam: t.string({ required: true, description: 'Query parameter that carries the watermark, e.g. since, updated_since.' }),
    cursorPath: t.string({
      required: true,
      description: "JSONPath in each raw record of its last-modified value; the run's watermark is the largest seen.",
    }),
    format: t.string({ description: 'How the watermark is written into sinceParam: ISO8601 (default), UNIX_SECONDS, UNIX_MILLIS.' }),
    lookbackSeconds: t.int({ description: 'Re-read this many seconds before the watermark, to catch late writes.' }),
  }),
});

export const CollectionInput = builder.inputType('CollectionInput', {
  description: 'On update, a field left out keeps its stored value; null resets it to the default.',
  fields: (t) => ({
    sourceId: t.id({ required: true }),
    name: t.string({ required: true }),
    method: t.string({ description: 'GET (default), POST, PUT or PATCH.' }),
    path: t.string({
      required: true,
      description: "Appended to the source's baseUrl (https://h/api + /v1/x = https://h/api/v1/x); may hold {placeholders} filled from pathParams.",
    }),
    pathParams: t.field({ type: 'JSON' }),
    query: t.field({ type: 'JSON' }),
    headers: t.field({ type: 'JSON' }),
    body: t.field({ type: 'JSON' }),
    dataPath: t.string({ description: 'JSONPath to the array of records in a response body; $ when the body is the array.' }),
    idPath: t.string({ description: 'JSONPath, in each raw record, to its external id. Default $.id' }),
    pagination: t.field({ type: PaginationInput }),
    incremental: t.field({ type: IncrementalInput }),
    schedule: t.string({ description: 'Cron expression (five or six fields); when set, the collection syncs on that schedule.' }),
  }),
});

type PaginationShape = PaginationConfig & Partial<Record<string, unknown>>;

const Pagination = builder.objectRef<PaginationShape>('Pagination').implement({
  fields: (t) => ({
    type: t.field({ type: PaginationTypeEnum, resolve: (p) => p.type }),
    pageSize: t.int({ nullable: true, resolve: (p) => (p.pageSize as number | undefined) ?? null }),
    limitParam: t.string({ nullable: true, resolve: (p) => (p.limitParam as string | undefined) ?? null }),
    offsetParam: t.string({ nullable: true, resolve: (p) => (p.offsetParam as string | undefined) ?? null }),
    pageParam: t.string({ nullable: true, resolve: (p) => (p.pageParam as string | undefined) ?? null }),
    startPage: t.int({ nullable: true, resolve: (p) => (p.startPage as number | undefined) ?? null }),
    totalPagesPath: t.string({ nullable: true, resolve: (p) => (p.totalPagesPath as string | undefined) ?? null }),
    cursorParam: t.string({ nullable: true, resolve: (p) => (p.cursorParam as string | undefined) ?? null }),
    cursorPath: t.string({ nullable: true, resolve: (p) => (p.cursorPath as string | undefined) ?? null }),
    cursorFromLastRecord: t.boolean({ nullable: true, resolve: (p) => (p.cursorFromLastRecord as boolean | undefined) ?? null }),
    hasMorePath: t.string({ nullable: true, resolve: (p) => (p.hasMorePath as string | undefined) ?? null }),
    nextUrlPath: t.string({ nullable: true, resolve: (p) => (p.nextUrlPath as string | undefined) ?? null }),
  }),
});

const Incremental = builder.objectRef<IncrementalConfig>('Incremental').implement({
  fields: (t) => ({
    sinceParam: t.exposeString('sinceParam'),
    cursorPath: t.exposeString('cursorPath'),
    format: t.exposeString('format'),
    lookbackSeconds: t.exposeInt('lookbackSeconds'),
  }),
});

builder.node(CollectionRef, {
  id: { resolve: (c) => c.id },
  loadOne: (id, { rt }) => findCollection(rt, id),
  fields: (t) => ({
    source: t.field({ type: SourceRef, resolve: (c, _args, { rt }) => getSource(rt, c.sourceId) }),
    name: t.exposeString('name'),
    method: t.exposeString('method'),
    path: t.exposeString('path'),
    pathParams: t.field({ type: 'JSON', resolve: (c) => c.pathParams }),
    query: t.field({ type: 'JSON', resolve: (c) => c.query }),
    headerNames: t.stringList({ resolve: (c) => Object.keys(c.headers as object) }),
    body: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.body }),
    dataPath: t.exposeString('dataPath'),
    idPath: t.exposeString('idPath'),
    pagination: t.field({ type: Pagination, resolve: (c) => c.pagination as PaginationShape }),
    incremental: t.field({ type: Incremental, nullable: true, resolve: (c) => c.incremental as IncrementalConfig | null }),
    schedule: t.exposeString('schedule', { nullable: true }),
    watermark: t.exposeString('watermark', {
      nullable: true,
      description: 'Largest incremental cursor value of the successful runs; the next incremental run asks from here.',
    }),
    mapping: t.field({
      type: MappingRef,
      nullable: true,
      resolve: (c) => (c.mapping ? { fields: c.mapping as MappedField[] } : null),
    }),
    recordCount: t.int({ description: 'Live (not deleted) records.', resolve: (c, _args, { rt }) => countLiveRecords(rt, c.id) }),
    lastRun: t.field({
      type: SyncRunRef,
      nullable: true,
      resolve: async (c, _args, { rt }) => (await listRuns(rt, c.id, 1))[0] ?? null,
    }),
    runs: t.field({
      type: [SyncRunRef],
      description: 'Newest first.',
      args: { first: t.arg.int() },
      resolve: (c, { first }, { rt }) => listRuns(rt, c.id, Math.min(Math.max(first ?? 20, 0), 500)),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (c) => c.updatedAt }),
  }),
});

builder.queryFields((t) => ({
  collection: t.field({
    type: CollectionRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { rt }) => getCollection(rt, decodeId('Collection', id)),
  }),
}));

builder.mutationFields((t) => ({
  createCollection: t.field({
    type: CollectionRef,
    args: { input: t.arg({ type: CollectionInput, required: true }) },
    resolve: (_root, { input }, { rt }) => createCollection(rt, input),
  }),
  updateCollection: t.field({
    type: CollectionRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: CollectionInput, required: true }) },
    resolve: (_root, { id, input }, { rt }) => updateCollection(rt, decodeId('Collection', id), input),
  }),
  deleteCollection: t.id({
    description: 'Deletes the collection with its records and runs; answers the id given.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { rt }) => {
      await deleteCollection(rt, decodeId('Collection', id));
      return id;
    },
  }),
  setMapping: t.field({
    type: MappingRef,
    description: 'Replaces the mapping; an empty list removes it (records are then stored raw). Applies from the next run.',
    args: {
      collectionId: t.arg.id({ required: true }),
      fields: t.arg({ type: [MappedFieldInput], required: true }),
    },
    resolve: async (_root, { collectionId, fields }, { rt }) => ({
      fields: (await setMapping(rt, decodeId('Collection', collectionId), fields)) ?? [],
    }),
  }),
}));
