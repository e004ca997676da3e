import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { createEventRetention, pruneEvents } from '../../src/events/retention';
import { DRIVERS, type TestDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { appendEvents, collect, headId, ids, loggedEvents, wsClient } from './fixtures';

for (const driver of DRIVERS) {
  describe(`event retention on ${driver.name}`, () => {
    let db: TestDatabase;
    let gw: TestGateway;
    before(async () => {
      db = await driver.create();
      gw = await startGateway(db.config, { workers: false, eventRetentionDays: 7 });
    });
    after(async () => {
      await gw?.stop();
      await db?.drop();
    });

    test('prunes events older than the retention in batches; a replay from a pruned id says so; "0" starts at the oldest kept', async () => {
      const collectionId = randomUUID();
      const start = await headId(gw.rt);
      await appendEvents(gw.rt, collectionId, 30, 0, 'old');
      const oldUpTo = await headId(gw.rt);
      await appendEvents(gw.rt, collectionId, 10, 0, 'new');
      await gw.rt.db.execute(sql`UPDATE record_events SET at = now() - interval '8 days' WHERE id <= ${oldUpTo}`);
      // One event inside the window but older than a later one: pruning stays a prefix.
      await gw.rt.db.execute(sql`UPDATE record_events SET at = now() - interval '9 days' WHERE id = ${oldUpTo + 5}`);

      assert.equal(await pruneEvents(gw.rt, { retentionDays: 7, batchSize: 7 }), oldUpTo - start + 5);
      assert.equal(await pruneEvents(gw.rt, { retentionDays: 7, batchSize: 7 }), 0, 'a second pass finds nothing');
      const kept = (await loggedEvents(gw.rt)).map((e) => Number(e.id));
      assert.deepEqual(kept, Array.from({ length: 5 }, (_, i) => oldUpTo + 6 + i));

      const client = wsClient(gw.url);
      try {
        const pruned = collect(client, { after: String(oldUpTo) });
        const { error } = await pruned.ended;
        assert.equal(error?.[0]?.extensions?.code, 'EVENTS_PRUNED');
        assert.equal(error[0].extensions.oldestEventId, String(oldUpTo + 6));
        assert.match(error[0].message, /no longer kept/);

        const fromKept = collect(client, { after: String(oldUpTo + 5) });
        assert.deepEqual(ids(await fromKept.waitFor(5)), kept);
        const fromZero = collect(client, { after: '0' });
        assert.deepEqual(ids(await fromZero.waitFor(5)), kept);
      } finally {
        await client.dispose();
      }
    });

    test('the background pruner starts and stops cleanly', async () => {
      const worker = createEventRetention(gw.rt);
      worker.start();
      await worker.stop();
    });
  });
}
