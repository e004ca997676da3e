import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DRIVERS } from '../helpers/db';
import type { TestGateway } from '../helpers/gateway';
import { createItemsCollection, eventsOf, type FakeApi, hoursLater, makeItems, maxEventId, recordStates, startFakeApi, syncToEnd, useSyncWorld, watermark } from './fixtures';

for (const driver of DRIVERS) {
  describe(`incremental import on ${driver.name}`, () => {
    let gw: TestGateway;
    let api: FakeApi;
    useSyncWorld(driver, 120, (w) => ({ gw, api } = w));

    test('reads everything without a watermark, then only what changed since it (with the lookback), never deleting', async () => {
      const c = await createItemsCollection(gw, api, { incremental: true, pageSize: 50 });
      const first = await syncToEnd(gw, c.id);
      assert.equal(first.mode, 'INCREMENTAL');
      assert.equal(first.status, 'SUCCEEDED', first.error);
      assert.equal(first.stats.created, 120);
      assert.equal(api.log.at(-1)!.get('since'), null, 'no watermark yet: no since parameter');
      // Item 120 was updated last, at hour 120.
      assert.equal(await watermark(gw, c.dbId), hoursLater(120));

      // A handful of changes, all later than the watermark, and one deletion upstream.
      const laterItem = (id: string, h: number, name: string) => api.items.set(id, { ...api.items.get(id)!, name, updated: hoursLater(h) });
      laterItem('it_00003', 200, 'three changed');
      laterItem('it_00050', 201, 'fifty changed');
      laterItem('it_00077', 202, 'seventy-seven changed');
      for (const item of makeItems(2, 500)) api.items.set(item.id, { ...item, updated: hoursLater(203) });
      api.items.delete('it_00010');
      const before = await recordStates(gw, c.dbId);
      const mark = await maxEventId(gw);
      const requestsBefore = api.log.length;

      const second = await syncToEnd(gw, c.id);
      assert.equal(second.status, 'SUCCEEDED', second.error);
      const sent = api.log.slice(requestsBefore).map((q) => q.get('since'));
      // The watermark minus the 60 s lookback.
      assert.deepEqual(sent, [new Date(Date.parse(hoursLater(120)) - 60_000).toISOString()]);
      // Five changed and item 120 again, which sits inside the lookback window: unchanged.
      assert.deepEqual(second.stats, { pages: 1, requests: 1, retries: 0, fetched: 6, created: 2, updated: 3, unchanged: 1, deleted: 0, failed: 0 });
      const after2 = await recordStates(gw, c.dbId);
      assert.equal(after2.get('it_00010')!.deleted, false, 'incremental runs never delete');
      assert.deepEqual(after2.get('it_00120'), before.get('it_00120'), 'the overlap is not rewritten');
      const events = await eventsOf(gw, c.dbId, mark);
      assert.deepEqual(events.map((e) => `${e.type} ${e.external_id}`).sort(), [
        'CREATED it_00500', 'CREATED it_00501', 'UPDATED it_00003', 'UPDATED it_00050', 'UPDATED it_00077',
      ]);
      assert.equal(await watermark(gw, c.dbId), hoursLater(203));

      // A failed incremental run leaves the watermark where it was.
      laterItem('it_00004', 300, 'four changed');
      api.failAtOffset = 0;
      const failed = await syncToEnd(gw, c.id);
      api.failAtOffset = null;
      assert.equal(failed.status, 'FAILED');
      assert.match(failed.error, /500/);
      assert.equal(await watermark(gw, c.dbId), hoursLater(203));

      // A full run on an incremental collection sees everything and deletes what is gone.
      const full = await syncToEnd(gw, c.id, 'FULL');
      assert.equal(full.status, 'SUCCEEDED', full.error);
      assert.equal(full.stats.deleted, 1);
      assert.equal(full.stats.updated, 1);
      assert.equal(await watermark(gw, c.dbId), hoursLater(300));
    });

    test('UNIX_SECONDS cursors compare as numbers and are sent as seconds', async () => {
      const numeric = await startFakeApi([]);
      try {
        // Seconds of different digit counts: as text "99" > "1000".
        const epochItems = [{ id: 'a', name: 'a', amount: 1, updated: '99' }, { id: 'b', name: 'b', amount: 2, updated: '1000' }];
        const server = numeric as FakeApi & { items: Map<string, any> };
        for (const item of epochItems) server.items.set(item.id, { ...item, updated: Number(item.updated) });
        const source = (await gw.ok(`mutation($input: SourceInput!) { createSource(input: $input) { id } }`, { input: { name: 'epoch', baseUrl: numeric.baseUrl } })).createSource;
        const collection = (
          await gw.ok(`mutation($input: CollectionInput!) { createCollection(input: $input) { id } }`, {
            input: {
              sourceId: source.id, name: 'epoch', path: '/items', dataPath: '$.data',
              pagination: { type: 'NONE' },
              incremental: { sinceParam: 'updated_after', cursorPath: '$.updated', format: 'UNIX_SECONDS', lookbackSeconds: 10 },
            },
          })
        ).createCollection;
        const first = await syncToEnd(gw, collection.id);
        assert.equal(first.status, 'SUCCEEDED', first.error);
        await syncToEnd(gw, collection.id);
        assert.equal(numeric.log.at(-1)!.get('updated_after'), '990');
      } finally {
        await numeric.close();
      }
    });
  });
}
