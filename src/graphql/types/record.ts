import { getCollection } from '../../catalog/collections';
import { decodeId } from '../../catalog/ids';
import { encodeCursor, findRecord, findRecordById, listRecords, type RecordRow } from '../../records/query';
import { builder } from '../builder';
import { RawJson } from '../raw-json';
import { CollectionRef, RecordRef } from './refs';

builder.node(RecordRef, {
  id: { resolve: (r) => String(r.id) },
  loadOne: (id, { rt }) => (/^\d+$/.test(id) ? findRecordById(rt, Number(id)) : null),
  fields: (t) => ({
    collection: t.field({ type: CollectionRef, resolve: (r, _args, { rt }) => getCollection(rt, r.collectionId) }),
    externalId: t.exposeString('externalId'),
    data: t.field({
      type: 'JSON',
      description: 'The mapped record (the raw record where the collection has no mapping).',
      resolve: (r) => new RawJson(r.data),
    }),
    version: t.exposeInt('version', { description: 'Increases by one on every stored change.' }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (r) => r.updatedAt }),
    deletedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Set when the record vanished from the source; it stays queryable with includeDeleted.',
      resolve: (r) => r.deletedAt,
    }),
  }),
});

const RecordEdge = builder.objectRef<RecordRow>('RecordEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (r) => encodeCursor(r.id) }),
    node: t.field({ type: RecordRef, resolve: (r) => r }),
  }),
});

interface ConnectionShape {
  rows: RecordRow[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

const RecordConnection = builder.objectRef<ConnectionShape>('RecordConnection').implement({
  fields: (t) => ({
    edges: t.field({ type: [RecordEdge], resolve: (c) => c.rows }),
    pageInfo: t.field({
      // The relay plugin's PageInfo: the contract's fields plus hasPreviousPage/startCursor.
      type: builder.pageInfoRef(),
      resolve: (c) => {
        const last = c.rows.at(-1);
        const endCursor = last ? encodeCursor(last.id) : null;
        return { hasNextPage: c.hasNextPage, hasPreviousPage: false, startCursor: c.rows[0] ? encodeCursor(c.rows[0].id) : null, endCursor };
      },
    }),
    // Counted only when asked for: a count over a large collection is the costly part of a page.
    totalCount: t.int({ resolve: (c) => c.totalCount() }),
  }),
});

builder.queryFields((t) => ({
  records: t.field({
    type: RecordConnection,
    description: 'Records of a collection in a stable order, `first` (default 100, at most 1000) at a time after the cursor `after`.',
    args: {
      collectionId: t.arg.id({ required: true }),
      first: t.arg.int(),
      after: t.arg.string(),
      includeDeleted: t.arg.boolean(),
      filter: t.arg({ type: 'JSON', description: 'Only records whose data contains this JSON object, e.g. {"status": "open"}.' }),
    },
    resolve: async (_root, args, { rt }) => {
      const collectionId = decodeId('Collection', args.collectionId);
      const page = await listRecords(rt, { ...args, collectionId, filter: args.filter as Record<string, unknown> | null });
      // A record proves its collection exists (foreign key): only an empty page costs a lookup.
      if (page.rows.length === 0 && !page.hasNextPage) await getCollection(rt, collectionId);
      return page;
    },
  }),
  record: t.field({
    type: RecordRef,
    nullable: true,
    args: { collectionId: t.arg.id({ required: true }), externalId: t.arg.string({ required: true }) },
    resolve: async (_root, { collectionId, externalId }, { rt }) => {
      const id = decodeId('Collection', collectionId);
      const record = await findRecord(rt, id, externalId);
      if (!record) await getCollection(rt, id);
      return record;
    },
  }),
}));
