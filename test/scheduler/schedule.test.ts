import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { decodeId } from '../../src/catalog/ids';
import { rows } from '../../src/db/client';
import { DRIVERS, type TestDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { makeItems, startFakeApi, type FakeApi } from '../sync/fixtures';

interface RunTimes {
  id: string;
  status: string;
  trigger: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const driver of DRIVERS) {
  // Several instances need a database they can share: two gateways on PostgreSQL, one on PGlite.
  const instances = driver.name === 'PostgreSQL' ? 2 : 1;
  describe(`schedules on ${driver.name} with ${instances} instance(s)`, () => {
    let db: TestDatabase;
    const gateways: TestGateway[] = [];
    let api: FakeApi;
    before(async () => {
      db = await driver.create();
      api = await startFakeApi(makeItems(30));
      // Instances of one deployment share the secret key, or they cannot open each other's sealed credentials.
      const secretKey = randomBytes(32);
      for (let i = 0; i < instances; i++) gateways.push(await startGateway(db.config, { secretKey }));
    });
    after(async () => {
      for (const gw of gateways) await gw.stop();
      await api?.close();
      await db?.drop();
    });

    test('a schedule set at runtime makes one run per tick on any number of instances, never two at once; removing it stops them', async () => {
      const [gw] = gateways as [TestGateway];
      const source = (await gw.ok(`mutation($i: SourceInput!) { createSource(input: $i) { id } }`, { i: { name: 'sched', baseUrl: api.baseUrl } })).createSource;
      const input = { sourceId: source.id, name: 'items', path: '/items', dataPath: '$.data', pagination: { type: 'NONE' }, schedule: null as string | null };
      const collection = (await gw.ok(`mutation($i: CollectionInput!) { createCollection(input: $i) { id } }`, { i: input })).createCollection;
      const collectionId = decodeId('Collection', collection.id);
      const runs = () =>
        rows<RunTimes>(gw.rt.db, sql`SELECT id, status, trigger, created_at, started_at, finished_at FROM sync_runs WHERE collection_id = ${collectionId} ORDER BY created_at`);
      const update = (schedule: string | null) =>
        gw.ok(`mutation($id: ID!, $i: CollectionInput!) { updateCollection(id: $id, input: $i) { schedule } }`, { id: collection.id, i: { ...input, schedule } });

      assert.equal((await runs()).length, 0, 'no schedule, no run');

      await update('*/2 * * * * *');
      const deadline = Date.now() + 12_000;
      while ((await runs()).filter((r) => r.status === 'SUCCEEDED').length < 3) {
        assert.ok(Date.now() < deadline, 'three scheduled runs within 12 s');
        await sleep(100);
      }
      await update(null);
      // Every instance drops the task within one reconcile round (2 s); a tick already under way may still finish.
      await sleep(2500);
      const settled = await runs();
      await sleep(3000);
      const final = await runs();
      assert.equal(final.length, settled.length, 'no run after the schedule was removed');

      assert.ok(final.every((r) => r.trigger === 'SCHEDULE'));
      assert.ok(final.every((r) => r.status === 'SUCCEEDED'), JSON.stringify(final));
      const ticks = await rows<{ tick_at: Date }>(gw.rt.db, sql`SELECT tick_at FROM schedule_ticks WHERE collection_id = ${collectionId} ORDER BY tick_at`);
      assert.equal(final.length, ticks.length, `one run per tick (${final.length} runs, ${ticks.length} ticks)`);
      const seconds = ticks.map((t) => new Date(t.tick_at).getTime() / 1000);
      assert.ok(seconds.every((s, i) => s % 2 === 0 && (i === 0 || s > seconds[i - 1]!)), `ticks on distinct even seconds: ${seconds}`);
      for (let i = 1; i < final.length; i++) {
        assert.ok(final[i]!.started_at! >= final[i - 1]!.finished_at!, 'runs of one collection never overlap');
      }
    });
  });
}
