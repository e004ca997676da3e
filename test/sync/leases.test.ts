import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { decodeId } from '../../src/catalog/ids';
import { rows } from '../../src/db/client';
import { DRIVERS } from '../helpers/db';
import type { TestGateway } from '../helpers/gateway';
import { createItemsCollection, type FakeApi, makeItems, readRun, startFakeApi, startRun, useSyncWorld, waitForRun } from './fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const driver of DRIVERS) {
  describe(`leases and event order on ${driver.name}`, () => {
    let gw: TestGateway;
    let api: FakeApi;
    useSyncWorld(driver, 200, (w) => ({ gw, api } = w), { runLeaseMs: 1500, workerConcurrency: 3 });

    test('a worker that lost its lease writes nothing more; the run is taken over when the lease expires', async () => {
      const c = await createItemsCollection(gw, api, { pageSize: 20 });
      api.delayMs = 80;
      const run = await startRun(gw, c.id, 'FULL');
      const runId = decodeId('SyncRun', run.id);
      while ((await readRun(gw, run.id)).stats.pages < 2) await sleep(20);
      // Another instance "claims" it, with a lease far in the future.
      await gw.rt.db.execute(sql`UPDATE sync_runs SET lease_owner = 'other-instance', lease_expires_at = now() + interval '1 hour' WHERE id = ${runId}`);
      await sleep(600);
      const frozen = (await readRun(gw, run.id)).stats.pages;
      await sleep(800);
      assert.equal((await readRun(gw, run.id)).stats.pages, frozen, 'no page committed without the lease');
      const [row] = await rows<{ status: string; lease_owner: string }>(gw.rt.db, sql`SELECT status, lease_owner FROM sync_runs WHERE id = ${runId}`);
      assert.deepEqual(row, { status: 'RUNNING', lease_owner: 'other-instance' });

      // The "other instance" dies: its lease runs out, this one resumes the run from the checkpoint.
      api.delayMs = 0;
      await gw.rt.db.execute(sql`UPDATE sync_runs SET lease_expires_at = now() WHERE id = ${runId}`);
      const done = await waitForRun(gw, run.id);
      assert.equal(done.status, 'SUCCEEDED', done.error);
      assert.equal(done.stats.pages, 11);
      assert.equal(done.stats.created, 200);
    });

    test('events of concurrent runs commit in id order: a reader polling id > last misses none', async () => {
      const apis = await Promise.all([startFakeApi(makeItems(300)), startFakeApi(makeItems(300, 1000)), startFakeApi(makeItems(300, 2000))]);
      try {
        const collections = await Promise.all(apis.map((a) => createItemsCollection(gw, a, { pageSize: 10 })));
        const [{ max }] = (await rows<{ max: string }>(gw.rt.db, sql`SELECT coalesce(max(id), 0)::text AS max FROM record_events`)) as [{ max: string }];
        let last = Number(max);
        const seen: number[] = [];
        const runs = await Promise.all(collections.map((c) => startRun(gw, c.id, 'FULL')));
        let finished = false;
        const reader = (async () => {
          while (!finished) {
            const batch = await rows<{ id: string }>(gw.rt.db, sql`SELECT id::text FROM record_events WHERE id > ${last} ORDER BY record_events.id`);
            for (const e of batch) seen.push((last = Number(e.id)));
            await sleep(2);
          }
        })();
        const ended = await Promise.all(runs.map((r) => waitForRun(gw, r.id, 60_000)));
        assert.ok(ended.every((r) => r.status === 'SUCCEEDED'));
        await sleep(50);
        finished = true;
        await reader;
        const batch = await rows<{ id: string }>(gw.rt.db, sql`SELECT id::text FROM record_events WHERE id > ${last} ORDER BY record_events.id`);
        for (const e of batch) seen.push(Number(e.id));
        const all = await rows<{ id: string }>(gw.rt.db, sql`SELECT id::text FROM record_events WHERE id > ${Number(max)} ORDER BY record_events.id`);
        assert.equal(all.length, 900);
        assert.deepEqual(seen, all.map((e) => Number(e.id)), 'the polling reader saw every event, in order');
      } finally {
        await Promise.all(apis.map((a) => a.close()));
      }
    });
  });
}
