import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { rows } from '../../src/db/client';
import { DRIVERS } from '../helpers/db';
import type { TestGateway } from '../helpers/gateway';
import { sendJson, startApiServer } from '../helpers/api-server';
import { createItemsCollection, eventsOf, type FakeApi, hoursLater, makeItems, maxEventId, recordStates, syncToEnd, useSyncWorld, watermark } from './fixtures';

/** The collection's page digests: body hash -> mapping hash. */
async function digests(gw: TestGateway, collectionDbId: string): Promise<Map<string, string>> {
  const list = await rows<{ body_hash: string; mapping_hash: string }>(gw.rt.db, sql`
    SELECT body_hash, mapping_hash FROM page_digests WHERE collection_id = ${collectionDbId}`);
  return new Map(list.map((r) => [r.body_hash, r.mapping_hash]));
}

for (const driver of DRIVERS) {
  describe(`page digests on ${driver.name}`, () => {
    let gw: TestGateway;
    let api: FakeApi;
    useSyncWorld(driver, 120, (w) => ({ gw, api } = w));

    test('a page met before is checked against the stored records once the collection changed: a record changed and changed back upstream is written again', async () => {
      const c = await createItemsCollection(gw, api, { incremental: true, pageSize: 50 });
      const first = await syncToEnd(gw, c.id, 'FULL');
      assert.equal(first.status, 'SUCCEEDED', first.error);
      assert.equal(first.stats.created, 120);
      assert.equal((await digests(gw, c.dbId)).size, 3, 'one digest per page');

      // An incremental run takes a change; then upstream goes back to what the full run saw.
      const original = api.items.get('it_00005')!;
      api.items.set('it_00005', { ...original, name: 'changed for a while', updated: hoursLater(200) });
      const incremental = await syncToEnd(gw, c.id, 'INCREMENTAL');
      assert.equal(incremental.stats.updated, 1);
      api.items.set('it_00005', original);
      const before = await recordStates(gw, c.dbId);
      const mark = await maxEventId(gw);

      // Every body is byte for byte one the first full run mapped.
      const second = await syncToEnd(gw, c.id, 'FULL');
      assert.equal(second.status, 'SUCCEEDED', second.error);
      assert.deepEqual(second.stats, { pages: 3, requests: 3, retries: 0, fetched: 120, created: 0, updated: 1, unchanged: 119, deleted: 0, failed: 0 });
      const after = await recordStates(gw, c.dbId);
      assert.deepEqual(after.get('it_00005')!.data, original, 'the record is stored as upstream has it again');
      for (const [id, row] of after) if (id !== 'it_00005') assert.deepEqual(row, before.get(id), `${id} was not written`);
      const events = await eventsOf(gw, c.dbId, mark);
      assert.deepEqual(events.map((e) => `${e.type} ${e.external_id}`), ['UPDATED it_00005']);

      // A full run of known pages still reads their cursors: the watermark comes back.
      await gw.rt.db.execute(sql`UPDATE collections SET watermark = NULL WHERE id = ${c.dbId}`);
      const third = await syncToEnd(gw, c.id, 'FULL');
      assert.deepEqual(third.stats, { pages: 3, requests: 3, retries: 0, fetched: 120, created: 0, updated: 0, unchanged: 120, deleted: 0, failed: 0 });
      assert.equal(await watermark(gw, c.dbId), hoursLater(120));
    });

    test('an id on two pages: a page is not trusted unchecked after a run that wrote the id twice', async () => {
      // it_00080 comes first on page 1 as well as in its place on page 2; the run stores page 2's.
      const c = await createItemsCollection(gw, api, { pageSize: 50 });
      const early = { id: 'it_00080', name: 'the early copy', amount: 1, updated: hoursLater(1) };
      api.extra = [early];
      const removed = api.items.get('it_00080')!;
      try {
        const first = await syncToEnd(gw, c.id);
        assert.equal(first.status, 'SUCCEEDED', first.error);
        assert.equal((await recordStates(gw, c.dbId)).get('it_00080')!.data.name, 'Item 80');

        // Page 1's bytes stay the same (as does the total); page 2 no longer has the id.
        api.items.delete('it_00080');
        const [filler] = makeItems(1, 999);
        api.items.set(filler!.id, filler!);
        const second = await syncToEnd(gw, c.id);
        assert.equal(second.status, 'SUCCEEDED', second.error);
        assert.deepEqual(
          (await recordStates(gw, c.dbId)).get('it_00080')!.data,
          early,
          'page 1 was mapped again: the copy it carries is the one left upstream',
        );
        api.items.delete(filler!.id);
      } finally {
        api.extra = [];
        api.items.set(removed.id, removed);
      }
    });

    test('pages reused without parsing still count their ids as seen: only what is really gone is deleted', async () => {
      const c = await createItemsCollection(gw, api, { pageSize: 50 });
      assert.equal((await syncToEnd(gw, c.id)).status, 'SUCCEEDED');
      const noop = await syncToEnd(gw, c.id);
      assert.deepEqual(noop.stats, { pages: 3, requests: 3, retries: 0, fetched: 120, created: 0, updated: 0, unchanged: 120, deleted: 0, failed: 0 });

      // The last page changes (one record swapped for another); the first two are byte for byte the same.
      const gone = api.items.get('it_00120')!;
      api.items.delete(gone.id);
      const [newcomer] = makeItems(1, 121);
      api.items.set(newcomer!.id, newcomer!);
      try {
        const before = await recordStates(gw, c.dbId);
        const run = await syncToEnd(gw, c.id);
        assert.equal(run.status, 'SUCCEEDED', run.error);
        assert.deepEqual(run.stats, { pages: 3, requests: 3, retries: 0, fetched: 120, created: 1, updated: 0, unchanged: 119, deleted: 1, failed: 0 });
        const after = await recordStates(gw, c.dbId);
        assert.equal(after.get('it_00120')!.deleted, true);
        for (const [id, row] of before) if (id !== 'it_00120') assert.deepEqual(after.get(id), row, `${id} was not written`);
      } finally {
        api.items.delete(newcomer!.id);
        api.items.set(gone.id, gone);
      }
    });

    test('cursor paging from the last record walks reused pages as it walks parsed ones', async () => {
      const items = makeItems(45);
      const cursors: Array<string | null> = [];
      const cursorApi = await startApiServer((_req, res, url) => {
        const after = url.searchParams.get('after');
        cursors.push(after);
        const limit = Number(url.searchParams.get('limit'));
        const from = after === null ? 0 : items.findIndex((i) => i.id === after) + 1;
        const data = items.slice(from, from + limit);
        sendJson(res, 200, { object: 'list', has_more: from + limit < items.length, data });
      });
      try {
        const source = (await gw.ok(`mutation($input: SourceInput!) { createSource(input: $input) { id } }`, { input: { name: 'cursor-api', baseUrl: cursorApi.baseUrl } })).createSource;
        const pagination = { type: 'CURSOR', cursorParam: 'after', cursorPath: '$.id', cursorFromLastRecord: true, hasMorePath: '$.has_more', limitParam: 'limit', pageSize: 10 };
        const input = { sourceId: source.id, name: 'listed', path: '/list', dataPath: '$.data', pagination };
        const collection = (await gw.ok(`mutation($input: CollectionInput!) { createCollection(input: $input) { id } }`, { input })).createCollection;
        const first = await syncToEnd(gw, collection.id);
        assert.equal(first.stats.created, 45);
        const asked = cursors.length;
        for (let i = 0; i < 2; i++) {
          const again = await syncToEnd(gw, collection.id);
          assert.deepEqual(again.stats, { pages: 5, requests: 5, retries: 0, fetched: 45, created: 0, updated: 0, unchanged: 45, deleted: 0, failed: 0 });
        }
        assert.deepEqual(cursors.slice(asked), [null, 'it_00010', 'it_00020', 'it_00030', 'it_00040', null, 'it_00010', 'it_00020', 'it_00030', 'it_00040']);
      } finally {
        await cursorApi.close();
      }
    });

    test('digests follow the source and the mapping: a full run keeps those of the bodies it met, a new mapping maps every page again', async () => {
      const c = await createItemsCollection(gw, api, { pageSize: 50 });
      assert.equal((await syncToEnd(gw, c.id)).status, 'SUCCEEDED');
      const first = await digests(gw, c.dbId);
      assert.equal(first.size, 3);

      // One more item changes the envelope's total, so every body differs.
      const [extra] = makeItems(1, 900);
      api.items.set(extra!.id, extra!);
      try {
        const changed = await syncToEnd(gw, c.id);
        assert.equal(changed.stats.created, 1);
        assert.equal(changed.stats.unchanged, 120);
        const second = await digests(gw, c.dbId);
        assert.equal(second.size, 3, 'the old bodies are forgotten');
        for (const body of second.keys()) assert.ok(!first.has(body));

        await gw.ok(`mutation($id: ID!, $fields: [MappedFieldInput!]!) { setMapping(collectionId: $id, fields: $fields) { fields { name } } }`, {
          id: c.id,
          fields: [{ name: 'title', path: '$.name', type: 'TEXT' }],
        });
        const remapped = await syncToEnd(gw, c.id);
        assert.deepEqual([remapped.stats.updated, remapped.stats.unchanged], [121, 0], 'known bodies, but another mapping');
        const third = await digests(gw, c.dbId);
        assert.deepEqual([...third.keys()].sort(), [...second.keys()].sort());
        assert.equal(new Set(third.values()).size, 1);
        assert.ok(![...second.values()].includes([...third.values()][0]!), 'stored under the new mapping');
        const rerun = await syncToEnd(gw, c.id);
        assert.deepEqual([rerun.stats.updated, rerun.stats.unchanged], [0, 121]);
      } finally {
        api.items.delete(extra!.id);
      }
    });
  });
}
