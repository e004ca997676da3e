import { collectionConfig, getCollection } from '../../catalog/collections';
import { decodeId } from '../../catalog/ids';
import { getSource, sourceConfig } from '../../catalog/sources';
import { previewCollection, type CollectionPreview } from '../../connectors/preview';
import { ConnectorError } from '../../connectors/errors';
import { AppError, BadInputError, ErrorCode } from '../../errors';
import { builder } from '../builder';

type PreviewRecord = CollectionPreview['records'][number];

const PreviewRequest = builder.objectRef<CollectionPreview['request']>('PreviewRequest').implement({
  description: 'The request made, secrets masked as ***.',
  fields: (t) => ({
    method: t.exposeString('method'),
    url: t.exposeString('url'),
    headers: t.field({ type: 'JSON', resolve: (r) => r.headers }),
  }),
});

const PreviewRecordRef = builder.objectRef<PreviewRecord>('PreviewRecord').implement({
  fields: (t) => ({
    externalId: t.exposeString('externalId', { nullable: true }),
    data: t.field({ type: 'JSON', nullable: true, description: 'As it would be stored; null when it would be a record error.', resolve: (r) => r.data }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

const Preview = builder.objectRef<CollectionPreview>('CollectionPreview').implement({
  fields: (t) => ({
    request: t.field({ type: PreviewRequest, resolve: (p) => p.request }),
    raw: t.field({ type: ['JSON'], description: 'The raw records of the first page, as the API sent them.', resolve: (p) => p.raw }),
    records: t.field({ type: [PreviewRecordRef], resolve: (p) => p.records }),
  }),
});

builder.queryFields((t) => ({
  previewCollection: t.field({
    type: Preview,
    description: "Fetches the collection's first page and maps it, storing nothing: try a connection before it syncs.",
    args: { id: t.arg.id({ required: true }), limit: t.arg.int({ description: 'Records to return, default 20, at most 200.' }) },
    resolve: async (_root, { id, limit }, { rt }) => {
      const count = limit ?? 20;
      if (count < 1 || count > 200) throw new BadInputError('limit', 'must be between 1 and 200');
      const collection = await getCollection(rt, decodeId('Collection', id));
      const source = sourceConfig(rt, await getSource(rt, collection.sourceId));
      try {
        return await previewCollection(source, collectionConfig(collection), count, { signal: AbortSignal.timeout(source.timeoutMs * 3) });
      } catch (err) {
        if (err instanceof ConnectorError) throw new AppError(ErrorCode.UPSTREAM_ERROR, err.message, { status: err.details.status });
        throw err;
      }
    },
  }),
}));
