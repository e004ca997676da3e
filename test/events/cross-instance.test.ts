import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventFeed } from '../../src/events/feed';
import { createPostgresDatabase, type TestDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { createItemsCollection, makeItems, startFakeApi, syncToEnd, type FakeApi } from '../sync/fixtures';
import { collect, headId, ids, loggedEvents, until, wsClient } from './fixtures';

describe('recordEvents across instances on one PostgreSQL', () => {
  let db: TestDatabase;
  let writer: TestGateway;
  let reader: TestGateway;
  let api: FakeApi;
  before(async () => {
    db = await createPostgresDatabase();
    writer = await startGateway(db.config);
    // No workers: every run is done by `writer`, every event reaches `reader` through PostgreSQL.
    reader = await startGateway(db.config, { workers: false });
    api = await startFakeApi(makeItems(120));
  });
  after(async () => {
    await reader?.stop();
    await writer?.stop();
    await api?.close();
    await db?.drop();
  });

  test("a subscriber on one instance gets the events of a run on another, live and resumed", async () => {
    const c = await createItemsCollection(writer, api, { pageSize: 25, maxRetries: 2 });
    const client = wsClient(reader.url);
    try {
      const live = collect(client, { collectionId: c.id });
      await until(() => eventFeed(reader.rt).subscribers === 1, 10_000, 'the subscriber on the reader');
      const start = await headId(reader.rt);
      const run = await syncToEnd(writer, c.id);
      assert.equal(run.status, 'SUCCEEDED', run.error);
      assert.equal(eventFeed(writer.rt).subscribers, 0, 'nobody subscribes on the writer');
      const expected = (await loggedEvents(reader.rt, start)).map((e) => Number(e.id));
      assert.equal(expected.length, 120);
      assert.deepEqual(ids(await live.waitFor(120)), expected);
      assert.ok(live.events.every((e) => e.type === 'CREATED' && e.runId === run.id));

      // A client that comes back on the reader after event 60 gets the rest, then live ones from the writer.
      const resumed = collect(client, { after: String(expected[59]) });
      await resumed.waitFor(60);
      for (const item of makeItems(3)) api.items.set(item.id, { ...item, name: 'again' });
      assert.equal((await syncToEnd(writer, c.id)).stats.updated, 3);
      const all = (await loggedEvents(reader.rt, expected[59])).map((e) => Number(e.id));
      assert.deepEqual(ids(await resumed.waitFor(63)), all);
      assert.deepEqual(ids(await live.waitFor(123)), [...expected, ...all.slice(-3)]);
    } finally {
      await client.dispose();
    }
  });
});
