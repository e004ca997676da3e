import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eventFeed } from '../../src/events/feed';
import { configureEventStreams } from '../../src/events/stream';
import { createPostgresDatabase, type TestDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { appendEvents, collect, headId, ids, loggedEvents, openedSockets, until, wsClient } from './fixtures';

// Fan-out and delivery pace do not depend on the driver: PostgreSQL only.
describe('fan-out to many subscribers', () => {
  let db: TestDatabase;
  let gw: TestGateway;
  before(async () => {
    db = await createPostgresDatabase();
    gw = await startGateway(db.config, { workers: false });
    configureEventStreams(gw.rt, { maxBuffered: 50 });
  });
  after(async () => {
    await gw?.stop();
    await db?.drop();
  });

  test('one database read per batch of new events serves every subscriber of the instance', async () => {
    const collectionId = randomUUID();
    const client = wsClient(gw.url);
    const realDb = gw.rt.db;
    let reads = 0;
    try {
      const subscribers = Array.from({ length: 40 }, (_, i) => collect(client, i % 2 ? { types: ['UPDATED'] } : { collectionId }));
      await until(() => eventFeed(gw.rt).subscribers === 40, 10_000, '40 subscribers');
      const start = await headId(gw.rt);
      gw.rt.db = new Proxy(realDb, {
        get(target, key, receiver) {
          if (key === 'select' || key === 'execute') reads++;
          return Reflect.get(target, key, receiver);
        },
      });
      for (let batch = 1; batch <= 5; batch++) {
        await appendEvents(gw.rt, collectionId, 20, 0, `fan${batch}`);
        for (const s of subscribers) await s.waitFor(batch * 20);
      }
      gw.rt.db = realDb;
      // 5 batches woken by NOTIFY, plus perhaps a safety poll per second: far from 40 readers x 5 batches.
      assert.ok(reads >= 5 && reads <= 5 + 5, `${reads} reads for 5 batches and 40 subscribers`);
      const expected = (await loggedEvents(gw.rt, start)).map((e) => Number(e.id));
      for (const s of subscribers) assert.deepEqual(ids(s.events), expected);
    } finally {
      gw.rt.db = realDb;
      await client.dispose();
    }
  });

  test('subscribers selecting different fields of the same live events each get the fields they asked for', async () => {
    const collectionId = randomUUID();
    const client = wsClient(gw.url);
    try {
      const start = await headId(gw.rt);
      const full = [collect(client), collect(client), collect(client)];
      const narrow = ['subscription { recordEvents { id version } }', 'subscription { recordEvents { externalId } }'].map((query) => {
        const got: unknown[] = [];
        client.subscribe({ query }, { next: (r) => got.push(r.data?.recordEvents ?? r.errors), error: (e) => got.push(e), complete: () => {} });
        return got;
      });
      await until(() => eventFeed(gw.rt).subscribers === 5, 10_000, 'five subscribers');
      await appendEvents(gw.rt, collectionId, 10, 0, 'sel');
      const logged = await loggedEvents(gw.rt, start);
      for (const s of full) assert.deepEqual((await s.waitFor(10)).map((e) => [e.id, e.externalId, e.version]), logged.map((e) => [e.id, e.external_id, e.version]));
      await until(() => narrow.every((got) => got.length >= 10), 10_000, 'the narrow subscribers');
      assert.deepEqual(narrow[0], logged.map((e) => ({ id: e.id, version: e.version })));
      assert.deepEqual(narrow[1], logged.map((e) => ({ externalId: e.external_id })));
    } finally {
      await client.dispose();
    }
  });

  test('a slow consumer is dropped with SLOW_CONSUMER past its buffer, the others keep receiving, and it resumes from the id it was given', async () => {
    const collectionId = randomUUID();
    const start = await headId(gw.rt);
    const fastClient = wsClient(gw.url);
    const slowClient = wsClient(gw.url);
    try {
      const fast = collect(fastClient);
      const socketsBefore = openedSockets.length;
      const slow = collect(slowClient);
      await until(() => openedSockets.length > socketsBefore && eventFeed(gw.rt).subscribers === 2, 10_000, 'two subscribers');
      const slowSocket = openedSockets[socketsBefore]!;
      // The slow client stops reading: socket buffers fill, then the feed's buffer for it.
      slowSocket.pause();
      let appended = 0;
      while (eventFeed(gw.rt).subscribers === 2) {
        assert.ok(appended < 3_000, 'the slow subscriber should have been dropped by now');
        await appendEvents(gw.rt, collectionId, 25, 64 * 1024, `big${appended}`);
        appended += 25;
      }
      // The fast one is unaffected, before and after the drop.
      await appendEvents(gw.rt, collectionId, 10, 0, 'after');
      const logged = (await loggedEvents(gw.rt, start)).map((e) => Number(e.id));
      assert.equal(logged.length, appended + 10);
      assert.deepEqual(ids(await fast.waitFor(logged.length, 30_000)), logged);

      slowSocket.resume();
      const { error } = await slow.ended;
      assert.equal(error?.[0]?.extensions?.code, 'SLOW_CONSUMER', JSON.stringify(error));
      assert.match(error[0].message, /after: "\d+"/);
      const last = Number(error[0].extensions.lastEventId);
      assert.deepEqual(ids(slow.events), logged.filter((id) => id <= last), 'it got an unbroken prefix, up to the id it was given');

      const resumed = collect(wsClient(gw.url), { after: String(last) });
      assert.deepEqual(ids(await resumed.waitFor(logged.length - slow.events.length, 30_000)), logged.filter((id) => id > last));
      resumed.unsubscribe();
    } finally {
      await fastClient.dispose();
      await slowClient.dispose();
    }
  });
});
