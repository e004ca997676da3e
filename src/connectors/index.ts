/**
 * The connector engine: a source and a collection become a stream of pages
 * of raw records with their external ids, one page in memory at a time.
 * Each page carries the checkpoint of the page after it; passed back as
 * `opts.from` it resumes there, which is what makes sync runs resumable
 * after a crash.
 */
import type { CollectionConfig, SourceConfig } from '../domain';
import { compileJsonPath } from '../mapping/jsonpath';
import { leaseSourceClient } from './client';
import { paginate } from './pagination/index';
import { createPagingContext } from './paging-context';
import { toItems } from './items';
import { skeletonOf } from './skeleton';
import type { FetchOptions, Page } from './types';

export { closeSourceClients } from './client';
export { ConnectorError } from './errors';
export { externalIdOf } from './items';
export { previewCollection, type CollectionPreview } from './preview';
export type { FetchOptions, Page, PageCheckpoint, RawItem, RequestCounters } from './types';

export async function* fetchPages(
  source: SourceConfig,
  collection: CollectionConfig,
  opts: FetchOptions = {},
): AsyncGenerator<Page, void, undefined> {
  const lease = leaseSourceClient(source);
  try {
    const { client } = lease;
    const ctx = createPagingContext(client, source, collection, opts);
    const idAt = compileJsonPath(collection.idPath || '$.id');
    for await (const { page, next } of paginate(collection.pagination, ctx, opts.from ?? null)) {
      const { records, json } = page;
      yield {
        items: page.reused ? [] : toItems(records, idAt),
        size: records.length,
        reused: page.reused,
        skeleton: () => skeletonOf(json, records),
        next,
        url: client.mask(page.request.url.href),
        bodyHash: page.bodyHash,
      };
    }
  } finally {
    lease.release();
  }
}
