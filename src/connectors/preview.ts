/**
 * The admin API's dry run of a collection: its first page fetched and mapped,
 * nothing stored. What it reports of the request has every secret masked.
 */
import type { CollectionConfig, SourceConfig } from '../domain';
import { compileMapping } from '../mapping/compile';
import { compileJsonPath } from '../mapping/jsonpath';
import { leaseSourceClient } from './client';
import { externalIdOf } from './items';
import { maskHeaders } from './mask';
import { paginate } from './pagination/index';
import { createPagingContext } from './paging-context';
import type { FetchOptions } from './types';

export interface CollectionPreview {
  request: { method: string; url: string; headers: Record<string, string> };
  raw: unknown[];
  records: Array<{ externalId: string | null; data: unknown | null; error: string | null }>;
}

export async function previewCollection(
  source: SourceConfig,
  collection: CollectionConfig,
  limit = 20,
  opts: Pick<FetchOptions, 'signal'> = {},
): Promise<CollectionPreview> {
  const lease = leaseSourceClient(source);
  try {
    const { client } = lease;
    const pages = paginate(collection.pagination, createPagingContext(client, source, collection, opts), null);
    const first = await pages.next();
    await pages.return();
    if (first.done) throw new Error('pagination yielded no page');
    const { page } = first.value;
    const idAt = compileJsonPath(collection.idPath || '$.id');
    const map = compileMapping(collection.mapping);
    const raw = page.records.slice(0, Math.max(0, limit));
    return {
      request: {
        method: page.request.method,
        url: client.mask(page.request.url.href),
        headers: maskHeaders(page.request.headers, client.mask),
      },
      raw,
      records: raw.map((record) => {
        const mapped = map(record);
        return {
          externalId: externalIdOf(idAt(record)),
          data: mapped.ok ? mapped.data : null,
          error: mapped.ok ? null : mapped.error,
        };
      }),
    };
  } finally {
    lease.release();
  }
}
