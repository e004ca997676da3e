import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventFeed } from '../../src/events/feed';
import { DRIVERS, type TestDatabase } from '../helpers/db';
import { ADMIN_TOKEN, startGateway, type TestGateway } from '../helpers/gateway';
import { createItemsCollection, makeItems, startFakeApi, startRun, syncToEnd, waitForRun, type FakeApi } from '../sync/fixtures';
import { collect, headId, ids, loggedEvents, RECORD_EVENTS, until, wsClient, type WireEvent } from './fixtures';

const count = (events: WireEvent[], type: string) => events.filter((e) => e.type === type).length;

for (const driver of DRIVERS) {
  describe(`recordEvents on ${driver.name}`, () => {
    let db: TestDatabase;
    let gw: TestGateway;
    const apis: FakeApi[] = [];
    const api = async (n: number, from: number) => {
      const a = await startFakeApi(makeItems(n, from));
      apis.push(a);
      return a;
    };
    before(async () => {
      db = await driver.create();
      gw = await startGateway(db.config);
    });
    after(async () => {
      await gw?.stop();
      for (const a of apis) await a.close();
      await db?.drop();
    });

    test('a first import gives one CREATED per record; changes give exact counts, data and versions; a no-op run gives none; collection and type filters', async () => {
      const api1 = await api(250, 1);
      const api2 = await api(3, 9001);
      const c1 = await createItemsCollection(gw, api1, { maxRetries: 2 });
      const c2 = await createItemsCollection(gw, api2, { maxRetries: 2 });
      const client = wsClient(gw.url);
      try {
        const all = collect(client);
        const changes = collect(client, { collectionId: c1.id, types: ['UPDATED', 'DELETED'] });
        const onlyC2 = collect(client, { collectionId: c2.id });
        await until(() => eventFeed(gw.rt).subscribers === 3, 10_000, 'three live subscribers');
        const start = await headId(gw.rt);

        assert.equal((await syncToEnd(gw, c1.id)).status, 'SUCCEEDED');
        const created = await all.waitFor(250);
        assert.equal(count(created, 'CREATED'), 250);
        assert.ok(created.every((e) => e.version === 1 && e.collectionId === c1.id && e.runId));
        assert.deepEqual(created.map((e) => e.data), makeItems(250, 1), 'CREATED events carry the records, in page order');

        // Upstream: 5 new, 7 changed, 4 gone.
        for (const item of makeItems(5, 1001)) api1.items.set(item.id, item);
        const changed = ['it_00010', 'it_00020', 'it_00030', 'it_00040', 'it_00050', 'it_00060', 'it_00070'];
        for (const id of changed) api1.items.set(id, { ...api1.items.get(id)!, name: `changed ${id}` });
        const gone = ['it_00100', 'it_00101', 'it_00200', 'it_00250'];
        for (const id of gone) api1.items.delete(id);
        assert.equal((await syncToEnd(gw, c1.id)).status, 'SUCCEEDED');
        const second = (await all.waitFor(266)).slice(250);
        assert.deepEqual([count(second, 'CREATED'), count(second, 'UPDATED'), count(second, 'DELETED')], [5, 7, 4]);
        for (const e of second) {
          if (e.type === 'CREATED') assert.equal(e.version, 1);
          if (e.type === 'UPDATED') assert.deepEqual([e.version, e.data.name], [2, `changed ${e.externalId}`]);
          if (e.type === 'DELETED') {
            assert.equal(e.version, 2);
            assert.deepEqual(e.data, makeItems(1, Number(e.externalId.slice(3)))[0], 'a DELETED event carries the last data');
          }
        }
        assert.deepEqual(second.filter((e) => e.type === 'DELETED').map((e) => e.externalId).sort(), gone);

        // A no-op run, then a run of another collection: the first event after
        // the second run's is c2's, so the no-op run delivered nothing.
        const noop = await syncToEnd(gw, c1.id);
        assert.equal(noop.stats.unchanged, 251);
        assert.equal((await syncToEnd(gw, c2.id)).status, 'SUCCEEDED');
        const tail = (await all.waitFor(269)).slice(266);
        assert.ok(tail.every((e) => e.collectionId === c2.id && e.type === 'CREATED'));

        const c2Events = await onlyC2.waitFor(3);
        assert.deepEqual(c2Events, tail, 'the collection filter gets only its collection');
        await changes.waitFor(11);
        assert.deepEqual(changes.events, second.filter((e) => e.type !== 'CREATED'), 'the types filter');

        // Exactly the log, in order, once.
        const logged = await loggedEvents(gw.rt, start);
        assert.deepEqual(ids(all.events), logged.map((e) => Number(e.id)));
        assert.equal(all.events.length, 269);
        assert.equal(changes.events.length, 11);
        assert.equal(onlyC2.events.length, 3);
      } finally {
        await client.dispose();
      }
      await until(() => eventFeed(gw.rt).subscribers === 0, 5_000, 'subscribers to leave the feed');
    });

    test('resume: after an event id in the middle of a run gives every later event once, in order, then live ones', async () => {
      const slow = await api(300, 20001);
      slow.delayMs = 25;
      const c = await createItemsCollection(gw, slow, { pageSize: 20, maxRetries: 2 });
      const start = await headId(gw.rt);
      const run = await startRun(gw, c.id);
      await until(async () => (await headId(gw.rt)) >= start + 60, 20_000, 'the run to be under way');
      const client = wsClient(gw.url);
      try {
        // Several positions, taken while the run writes: one behind the feed's
        // head, one at it, and a whole replay.
        const mid = await headId(gw.rt);
        const resumers = new Map<string, ReturnType<typeof collect>>();
        for (const position of [String(start + 5), String(mid), '0']) resumers.set(position, collect(client, { after: position }));
        await until(async () => (await headId(gw.rt)) >= mid + 40, 20_000, 'more events after mid');
        resumers.set(String(await headId(gw.rt)), collect(client, { after: String(await headId(gw.rt)) }));
        const done = await waitForRun(gw, run.id);
        assert.equal(done.status, 'SUCCEEDED');
        assert.ok(done.stats.created === 300);
        assert.ok(mid < start + 300, 'mid was taken while the run was writing');

        for (const [position, c] of resumers) {
          const expected = (await loggedEvents(gw.rt, Number(position))).map((e) => Number(e.id));
          assert.deepEqual(ids(await c.waitFor(expected.length)), expected, `after ${position}`);
        }
        // Then live: a change upstream reaches every resumer once.
        for (const item of makeItems(4, 20001)) slow.items.set(item.id, { ...item, name: 'live' });
        slow.delayMs = 0;
        assert.equal((await syncToEnd(gw, c.id)).stats.updated, 4);
        for (const [position, c] of resumers) {
          const expected = (await loggedEvents(gw.rt, Number(position))).map((e) => Number(e.id));
          assert.deepEqual(ids(await c.waitFor(expected.length)), expected, `after ${position}, live`);
          assert.deepEqual(c.events.slice(-4).map((e) => e.data.name), ['live', 'live', 'live', 'live']);
        }
        await new Promise((r) => setTimeout(r, 300));
        for (const [position, c] of resumers) {
          assert.equal(c.events.length, (await loggedEvents(gw.rt, Number(position))).length, `nothing extra after ${position}`);
        }

        const bad = collect(client, { after: 'yesterday' });
        const { error } = await bad.ended;
        assert.equal(error?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      } finally {
        await client.dispose();
      }
    });

    test('GraphQL over SSE: Accept text/event-stream with the Bearer header streams events', async () => {
      const c = await createItemsCollection(gw, await api(5, 30001), { maxRetries: 2 });
      assert.equal((await syncToEnd(gw, c.id)).status, 'SUCCEEDED');
      const abort = new AbortController();
      const res = await fetch(gw.url, {
        method: 'POST',
        headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ query: RECORD_EVENTS, variables: { after: '0', types: ['CREATED'] } }),
        signal: abort.signal,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const received: WireEvent[] = [];
      const decoder = new TextDecoder();
      let text = '';
      const reader = res.body!.getReader();
      while (received.length < 3) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, cut);
          text = text.slice(cut + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (block.startsWith('event: next') && data) received.push(JSON.parse(data.slice(6)).data.recordEvents);
        }
      }
      abort.abort();
      const logged = (await loggedEvents(gw.rt)).filter((e) => e.type === 'CREATED').slice(0, 3);
      received.length = 3;
      assert.deepEqual(ids(received), logged.map((e) => Number(e.id)));
      assert.deepEqual(received.map((e) => e.externalId), logged.map((e) => e.external_id));
    });

    test('no token or a wrong one: refused over WebSocket and SSE', async () => {
      for (const token of [null, 'wrong-token-0123456789abcdef']) {
        const client = wsClient(gw.url, token);
        const { error } = await collect(client).ended;
        assert.equal(error?.code, 4403, `WebSocket closed as forbidden (token ${token})`);
        await client.dispose();

        const res = await fetch(gw.url, {
          method: 'POST',
          headers: { accept: 'text/event-stream', 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query: RECORD_EVENTS, variables: { after: '0' } }),
        });
        const body = await res.text();
        assert.equal(res.status, 401);
        assert.match(body, /UNAUTHENTICATED/);
        assert.doesNotMatch(body, /recordEvents"\s*:\s*\{/, 'no event was sent');
      }
    });
  });
}
