import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DRIVERS, type TestDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { createItemsCollection, makeItems, recordStates, startRun, syncToEnd, startFakeApi, waitForRun, type FakeApi } from './fixtures';

const live = async (gw: TestGateway, dbId: string) => [...(await recordStates(gw, dbId)).values()].filter((r) => !r.deleted).length;

for (const driver of DRIVERS) {
  describe(`failed, cancelled and guarded runs on ${driver.name}`, () => {
    let db: TestDatabase;
    let gw: TestGateway;
    before(async () => {
      db = await driver.create();
      gw = await startGateway(db.config);
    });
    after(async () => {
      await gw?.stop();
      await db?.drop();
    });

    async function seeded(count: number, pageSize: number): Promise<{ api: FakeApi; c: { id: string; dbId: string } }> {
      const api = await startFakeApi(makeItems(count));
      const c = await createItemsCollection(gw, api, { pageSize });
      const first = await syncToEnd(gw, c.id);
      assert.equal(first.status, 'SUCCEEDED', first.error);
      return { api, c };
    }

    test('a run that fails on a page deletes nothing and says why', async () => {
      const { api, c } = await seeded(150, 50);
      try {
        for (const id of ['it_00001', 'it_00002', 'it_00003']) api.items.delete(id);
        api.failAtOffset = 100;
        const run = await syncToEnd(gw, c.id);
        assert.equal(run.status, 'FAILED');
        assert.match(run.error, /500/);
        assert.match(run.error, /\/items/);
        assert.equal(run.stats.pages, 2, 'the pages before the failure were written');
        assert.equal(run.stats.deleted, 0);
        assert.equal(await live(gw, c.dbId), 150, 'nothing deleted');
      } finally {
        await api.close();
      }
    });

    test('a cancelled run stops at a page boundary and deletes nothing', async () => {
      const { api, c } = await seeded(100, 10);
      try {
        for (const id of ['it_00001', 'it_00002']) api.items.delete(id);
        api.delayMs = 150;
        const requestsBefore = api.log.length;
        const started = await startRun(gw, c.id, 'FULL');
        // Unchanged pages commit their progress only now and then, so watch the upstream instead.
        for (let i = 0; i < 100 && api.log.length - requestsBefore < 2; i++) await new Promise((r) => setTimeout(r, 30));
        const cancelled = (await gw.ok(`mutation($id: ID!) { cancelSync(runId: $id) { id } }`, { id: started.id })).cancelSync;
        assert.equal(cancelled.id, started.id);
        const run = await waitForRun(gw, started.id);
        assert.equal(run.status, 'CANCELLED');
        assert.ok(run.stats.pages < 10, `stopped early (${run.stats.pages} pages)`);
        assert.equal(run.stats.deleted, 0);
        assert.equal(await live(gw, c.dbId), 100, 'nothing deleted');
      } finally {
        await api.close();
      }
    });

    test('an upstream that suddenly answers an empty list trips the delete guard', async () => {
      const { api, c } = await seeded(40, 100);
      try {
        api.empty = true;
        const run = await syncToEnd(gw, c.id);
        assert.equal(run.status, 'FAILED');
        assert.match(run.error, /would delete 40 of 40 live records/);
        assert.match(run.error, /TRIBUTARY_DELETE_GUARD_RATIO/);
        assert.equal(run.stats.deleted, 0);
        assert.equal(await live(gw, c.dbId), 40, 'nothing deleted');

        // Within the guard (here 10 of 40), deletions go through.
        api.empty = false;
        for (const item of makeItems(10)) api.items.delete(item.id);
        const ok = await syncToEnd(gw, c.id);
        assert.equal(ok.status, 'SUCCEEDED', ok.error);
        assert.equal(ok.stats.deleted, 10);
        assert.equal(await live(gw, c.dbId), 30);
      } finally {
        await api.close();
      }
    });
  });
}
