/** Config builders and a drain helper shared by the connector tests. */
import assert from 'node:assert/strict';
import { DEFAULT_RETRY, type CollectionConfig, type SourceConfig } from '../../src/domain';
import { fetchPages } from '../../src/connectors/index';
import type { FetchOptions, Page, PageCheckpoint } from '../../src/connectors/types';
import { compileMapping } from '../../src/mapping/compile';

let sequence = 0;

export function makeSource(overrides: Partial<SourceConfig> & { baseUrl: string }): SourceConfig {
  sequence++;
  return {
    id: `src-${sequence}-${Math.random().toString(36).slice(2, 8)}`,
    name: `source ${sequence}`,
    auth: { type: 'NONE' },
    headers: {},
    timeoutMs: 5_000,
    retry: { ...DEFAULT_RETRY, baseDelayMs: 5, maxDelayMs: 50 },
    rateLimit: null,
    updatedAt: new Date('2024-01-01T00:00:00Z'),
    ...overrides,
  };
}

export function makeCollection(overrides: Partial<CollectionConfig> & { path: string }): CollectionConfig {
  return {
    id: `col-${++sequence}`,
    sourceId: 'unused',
    name: 'collection',
    method: 'GET',
    pathParams: {},
    query: {},
    headers: {},
    body: null,
    dataPath: '$',
    idPath: '$.id',
    pagination: { type: 'NONE' },
    incremental: null,
    schedule: null,
    mapping: null,
    updatedAt: new Date('2024-01-01T00:00:00Z'),
    ...overrides,
  };
}

export interface Drained {
  pages: Page[];
  ids: string[];
  data: Record<string, unknown>[];
  checkpoints: (PageCheckpoint | null)[];
}

/** Every page of a collection, with the mapped data of every record (failing on a mapping error). */
export async function drain(source: SourceConfig, collection: CollectionConfig, opts: FetchOptions = {}): Promise<Drained> {
  const map = compileMapping(collection.mapping);
  const out: Drained = { pages: [], ids: [], data: [], checkpoints: [] };
  for await (const page of fetchPages(source, collection, opts)) {
    out.pages.push(page);
    out.checkpoints.push(page.next);
    for (const item of page.items) {
      assert.ok(item.externalId !== null, `record without id on ${page.url}`);
      out.ids.push(item.externalId);
      const mapped = map(item.raw);
      assert.ok(mapped.ok, mapped.ok ? '' : mapped.error);
      out.data.push(mapped.data);
    }
  }
  return out;
}

/** Every expected id exactly once, nothing else. */
export function assertExactly(ids: string[], expected: string[]): void {
  assert.equal(new Set(ids).size, ids.length, 'an id came twice');
  assert.deepEqual([...ids].sort(), [...expected].sort());
}
