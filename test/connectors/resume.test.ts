/**
 * Crash-resumability: for every paging type, a run started from any page's
 * `next` checkpoint (round-tripped through JSON, as the database stores it)
 * yields exactly the pages that followed it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { closeSourceClients } from '../../src/connectors/index';
import type { PaginationConfig } from '../../src/domain';
import { fakeRecords, sendJson, startApiServer, type ApiServer } from '../helpers/api-server';
import { drain, makeCollection, makeSource } from './fixtures';

const all = fakeRecords(55);
const SIZE = 10;
let api: ApiServer;

before(async () => {
  api = await startApiServer((_req, res, url) => {
    const q = (name: string, fallback = 0) => Number(url.searchParams.get(name) ?? fallback);
    const slice = (start: number) => all.slice(start, start + SIZE);
    switch (url.pathname) {
      case '/none':
        return sendJson(res, 200, all);
      case '/offset':
        return sendJson(res, 200, all.slice(q('offset'), q('offset') + q('limit')));
      case '/page':
        return sendJson(res, 200, { items: slice((q('page') - 1) * SIZE), pages: Math.ceil(all.length / SIZE) });
      case '/cursor-body': {
        const start = q('after');
        const next = start + SIZE < all.length ? { next: { after: String(start + SIZE) } } : {};
        return sendJson(res, 200, { results: slice(start), paging: next });
      }
      case '/cursor-last': {
        const id = url.searchParams.get('starting_after');
        const start = id ? all.findIndex((r) => r.id === id) + 1 : 0;
        return sendJson(res, 200, { data: slice(start), has_more: start + SIZE < all.length });
      }
      case '/next-url': {
        const start = q('start');
        return sendJson(res, 200, { records: slice(start), next: start + SIZE < all.length ? `?start=${start + SIZE}` : null });
      }
      case '/link': {
        const page = q('page', 1);
        const headers: Record<string, string> = page * SIZE < all.length ? { link: `</link?page=${page + 1}>; rel="next"` } : {};
        return sendJson(res, 200, slice((page - 1) * SIZE), headers);
      }
      default:
        return sendJson(res, 404, {});
    }
  });
});

after(async () => {
  await closeSourceClients();
  await api.close();
});

const cases: Array<[string, string, PaginationConfig, number]> = [
  ['/none', '$', { type: 'NONE' }, 1],
  ['/offset', '$', { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit', pageSize: SIZE }, 6],
  ['/page', '$.items', { type: 'PAGE', pageParam: 'page', startPage: 1, totalPagesPath: '$.pages' }, 6],
  ['/cursor-body', '$.results', { type: 'CURSOR', cursorParam: 'after', cursorPath: '$.paging.next.after', cursorFromLastRecord: false }, 6],
  [
    '/cursor-last',
    '$.data',
    { type: 'CURSOR', cursorParam: 'starting_after', cursorPath: '$.id', cursorFromLastRecord: true, hasMorePath: '$.has_more' },
    6,
  ],
  ['/next-url', '$.records', { type: 'NEXT_URL', nextUrlPath: '$.next' }, 6],
  ['/link', '$', { type: 'LINK_HEADER' }, 6],
];

describe('resume from a checkpoint', () => {
  for (const [path, dataPath, pagination, pageCount] of cases) {
    test(`${pagination.type} ${path}`, async () => {
      const source = makeSource({ baseUrl: api.baseUrl });
      const collection = makeCollection({ path, dataPath, pagination });
      const full = await drain(source, collection);
      assert.equal(full.pages.length, pageCount);
      assert.deepEqual([...full.ids].sort(), all.map((r) => r.id));
      assert.equal(full.checkpoints.at(-1), null);

      for (let k = 0; k < full.pages.length - 1; k++) {
        const saved = JSON.parse(JSON.stringify(full.checkpoints[k])) as Record<string, unknown>;
        const resumed = await drain(source, collection, { from: saved });
        const expected = full.pages.slice(k + 1);
        assert.equal(resumed.pages.length, expected.length, `from ${JSON.stringify(saved)}`);
        assert.deepEqual(resumed.pages.map((p) => p.items), expected.map((p) => p.items));
        assert.deepEqual(resumed.checkpoints, full.checkpoints.slice(k + 1));
      }
    });
  }

  test('a checkpoint written by another paging type is refused', async () => {
    const source = makeSource({ baseUrl: api.baseUrl });
    const collection = makeCollection({ path: '/offset', pagination: cases[1]![2] });
    await assert.rejects(drain(source, collection, { from: { type: 'PAGE', page: 3 } }), /cannot resume from checkpoint/);
  });
});
