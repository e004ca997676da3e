import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DRIVERS } from '../helpers/db';
import type { TestGateway } from '../helpers/gateway';
import { createItemsCollection, eventsOf, type FakeApi, hoursLater, makeItems, maxEventId, recordStates, startFakeApi, syncToEnd, useSyncWorld } from './fixtures';

for (const driver of DRIVERS) {
  describe(`full import on ${driver.name}`, () => {
    let gw: TestGateway;
    let api: FakeApi;
    useSyncWorld(driver, 250, (w) => ({ gw, api } = w));

    test('first run creates every record, one event each; changes are counted exactly; a rerun writes nothing', async () => {
      const c = await createItemsCollection(gw, api);
      const first = await syncToEnd(gw, c.id);
      assert.equal(first.status, 'SUCCEEDED', first.error);
      assert.deepEqual(first.stats, { pages: 3, requests: 3, retries: 0, fetched: 250, created: 250, updated: 0, unchanged: 0, deleted: 0, failed: 0 });
      const created = await eventsOf(gw, c.dbId);
      assert.equal(created.length, 250);
      assert.ok(created.every((e) => e.type === 'CREATED' && e.version === 1));
      assert.deepEqual(created[0]!.data, makeItems(1)[0]);

      // Upstream: 5 new, 7 changed, 4 gone.
      for (const item of makeItems(5, 1001)) api.items.set(item.id, item);
      const changed = ['it_00010', 'it_00020', 'it_00030', 'it_00040', 'it_00050', 'it_00060', 'it_00070'];
      for (const id of changed) api.items.set(id, { ...api.items.get(id)!, name: `changed ${id}` });
      const gone = ['it_00100', 'it_00101', 'it_00200', 'it_00250'];
      for (const id of gone) api.items.delete(id);
      const before = await recordStates(gw, c.dbId);
      const lastEvent = await maxEventId(gw);

      const second = await syncToEnd(gw, c.id);
      assert.equal(second.status, 'SUCCEEDED', second.error);
      assert.deepEqual(second.stats, { pages: 3, requests: 3, retries: 0, fetched: 251, created: 5, updated: 7, unchanged: 239, deleted: 4, failed: 0 });
      const after2 = await recordStates(gw, c.dbId);
      for (const [id, row] of after2) {
        const old = before.get(id);
        if (changed.includes(id)) assert.equal(row.version, 2, id);
        else if (gone.includes(id)) assert.ok(row.deleted && row.version === 2, id);
        else if (!old) assert.equal(row.version, 1, id);
        else assert.deepEqual(row, old, `${id} was not written`);
      }
      const events = await eventsOf(gw, c.dbId, lastEvent);
      const byType = (t: string) => events.filter((e) => e.type === t).map((e) => e.external_id).sort();
      assert.deepEqual(byType('CREATED'), makeItems(5, 1001).map((i) => i.id));
      assert.deepEqual(byType('UPDATED'), changed);
      assert.deepEqual(byType('DELETED'), gone);
      const deletedEvent = events.find((e) => e.external_id === 'it_00100')!;
      assert.equal(deletedEvent.data.name, 'Item 100', 'a DELETED event carries the last data');
      assert.equal(deletedEvent.version, 2);
      assert.equal(events.find((e) => e.external_id === 'it_00010')!.data.name, 'changed it_00010');

      // Nothing changed upstream: nothing is written, no event.
      const stable = await recordStates(gw, c.dbId);
      const third = await syncToEnd(gw, c.id);
      assert.equal(third.status, 'SUCCEEDED', third.error);
      assert.deepEqual(third.stats, { pages: 3, requests: 3, retries: 0, fetched: 251, created: 0, updated: 0, unchanged: 251, deleted: 0, failed: 0 });
      assert.deepEqual(await recordStates(gw, c.dbId), stable, 'no record row was rewritten (xmin, ctid, version, updated_at)');
      assert.equal((await eventsOf(gw, c.dbId, lastEvent)).length, events.length, 'no new event');

      // A deleted record that comes back is live again: CREATED, version bumped.
      api.items.set('it_00100', { id: 'it_00100', name: 'back', amount: 1, updated: hoursLater(5000) });
      const mark = await maxEventId(gw);
      const fourth = await syncToEnd(gw, c.id);
      assert.equal(fourth.stats.created, 1);
      assert.equal(fourth.stats.unchanged, 251);
      const back = (await recordStates(gw, c.dbId)).get('it_00100')!;
      assert.equal(back.deleted, false);
      assert.equal(back.version, 3);
      const [event] = await eventsOf(gw, c.dbId, mark);
      assert.deepEqual([event!.type, event!.version, event!.data.name], ['CREATED', 3, 'back']);
    });

    test('a page of unchanged records after pages of changed ones is counted unchanged and not written', async () => {
      // Pages that come back all changed are written without reading them
      // first; the upsert's hash guard must still leave the unchanged
      // records of a later page alone and count them.
      const c = await createItemsCollection(gw, api);
      assert.equal((await syncToEnd(gw, c.id)).status, 'SUCCEEDED');
      const firstPage = [...api.items.keys()].sort().slice(0, 100);
      for (const id of firstPage) api.items.set(id, { ...api.items.get(id)!, name: `renamed ${id}` });
      const before = await recordStates(gw, c.dbId);
      const mark = await maxEventId(gw);

      const run = await syncToEnd(gw, c.id);
      assert.equal(run.status, 'SUCCEEDED', run.error);
      const total = api.items.size;
      assert.deepEqual(run.stats, { pages: 3, requests: 3, retries: 0, fetched: total, created: 0, updated: 100, unchanged: total - 100, deleted: 0, failed: 0 });
      const after = await recordStates(gw, c.dbId);
      for (const [id, row] of after) {
        if (firstPage.includes(id)) assert.equal(row.version, 2, id);
        else assert.deepEqual(row, before.get(id), `${id} was not written`);
      }
      const events = await eventsOf(gw, c.dbId, mark);
      assert.deepEqual(events.map((e) => `${e.type} ${e.external_id}`).sort(), firstPage.map((id) => `UPDATED ${id}`));
    });

    test('duplicates in a page count once (last wins); records without id or failing the mapping are record errors', async () => {
      const small = await startFakeApi(makeItems(3));
      try {
        small.extra = [
          { id: 'it_00002', name: 'first copy', amount: 1, updated: hoursLater(2) },
          { name: 'no id here', amount: 5 },
          { id: 'bad', name: 'bad amount', amount: 'not a number', updated: hoursLater(1) },
        ];
        const c = await createItemsCollection(gw, small, {
          mapping: [
            { name: 'name', path: '$.name', type: 'TEXT' },
            { name: 'amount', path: '$.amount', type: 'NUMBER' },
          ],
        });
        const run = await syncToEnd(gw, c.id);
        assert.equal(run.status, 'SUCCEEDED', run.error);
        assert.deepEqual(
          { fetched: run.stats.fetched, created: run.stats.created, failed: run.stats.failed },
          { fetched: 6, created: 3, failed: 2 },
        );
        assert.equal(run.recordErrors.length, 2);
        assert.equal(run.recordErrors[0].externalId, null);
        assert.match(run.recordErrors[0].message, /external id/);
        assert.equal(run.recordErrors[1].externalId, 'bad');
        assert.match(run.recordErrors[1].message, /amount/);
        const states = await recordStates(gw, c.dbId);
        assert.deepEqual(states.get('it_00002')!.data, { name: 'Item 2', amount: 20 }, 'the later copy wins');
        assert.equal((await eventsOf(gw, c.dbId)).length, 3);
      } finally {
        await small.close();
      }
    });
  });
}
