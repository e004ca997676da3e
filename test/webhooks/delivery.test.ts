import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { decodeId } from '../../src/catalog/ids';
import { rows } from '../../src/db/client';
import { DRIVERS, type TestDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { createItemsCollection, makeItems, startFakeApi, syncToEnd, type FakeApi } from '../sync/fixtures';
import { appendEvents, DELIVERY_FIELDS, WEBHOOK_FIELDS } from './fixtures';
import { bodiesPerDelivery, isStrictlyIncreasing, startReceiver, verifySignature, waitUntil, type Receiver } from './receiver';

for (const driver of DRIVERS) {
  describe(`webhook delivery on ${driver.name}`, () => {
    let db: TestDatabase;
    let gw: TestGateway;
    let api: FakeApi;
    let receiver: Receiver;
    let a: { id: string; dbId: string };
    let b: { id: string; dbId: string };

    before(async () => {
      db = await driver.create();
      receiver = await startReceiver();
      api = await startFakeApi(makeItems(25));
      gw = await startGateway(db.config, {
        // PGlite runs on this process's event loop, beside the receiver: a
        // busy machine can stall an answer for a few hundred ms, so the
        // timeout leaves room, and the checks allow a spurious extra attempt.
        webhooks: { batchSize: 10, timeoutMs: 1_000, backoffBaseMs: 20, backoffMaxMs: 100, leaseMs: 2_000, maxAttempts: 5 },
      });
      a = await createItemsCollection(gw, api, { pageSize: 10 });
      b = await createItemsCollection(gw, api, { pageSize: 10 });
    });
    after(async () => {
      await gw?.stop();
      await receiver?.close();
      await api?.close();
      await db?.drop();
    });

    const createWebhook = async (input: Record<string, unknown>) =>
      (await gw.ok(`mutation($input: WebhookInput!) { createWebhook(input: $input) { ${WEBHOOK_FIELDS} } }`, { input })).createWebhook;
    const readWebhook = async (id: string) =>
      (await gw.ok(`query($id: ID!) { node(id: $id) { ... on Webhook { ${WEBHOOK_FIELDS} deliveries(first: 100) { ${DELIVERY_FIELDS} } } } }`, { id })).node;
    const head = async () => Number((await rows<{ id: string }>(gw.rt.db, sql`SELECT coalesce(max(id), 0)::text AS id FROM record_events`))[0]!.id);
    const caughtUp = (id: string) => waitUntil(`webhook ${id} to catch up`, async () => {
      const w = await readWebhook(id);
      return Number(w.lastEventId) === (await head()) && w;
    }).catch(async (err) => {
      // What the worker was doing, for a failure that is hard to reproduce.
      const state = {
        head: await head(),
        webhooks: await rows(gw.rt.db, sql`SELECT id, url, status, last_event_id::text, lease_owner, lease_expires_at, now() AS now FROM webhooks`),
        open: await rows(gw.rt.db, sql`SELECT * FROM webhook_deliveries WHERE status <> 'DELIVERED'`),
      };
      throw new Error(`${(err as Error).message}: ${JSON.stringify(state)}`);
    });

    test('events of a sync arrive signed, in order, batched, shaped like RecordEvent', async () => {
      const secret = 'whsec_test_0123456789';
      const hook = await createWebhook({ url: receiver.url('/sync'), secret, collectionId: a.id });
      assert.equal(hook.status, 'ACTIVE');
      assert.equal(hook.hasSecret, true);
      const run = await syncToEnd(gw, a.id);
      assert.equal(run.status, 'SUCCEEDED');
      await caughtUp(hook.id);

      const arrivals = receiver.arrivals.filter((x) => x.path === '/sync');
      const batches = [...new Map(arrivals.map((x) => [x.deliveryId, x.events.length])).values()];
      assert.deepEqual(batches, [10, 10, 5], '25 events in batches of 10');
      for (const x of arrivals) {
        assert.ok(verifySignature(secret, x), 'signature verifies');
        assert.match(x.contentType ?? '', /^application\/json/);
      }
      const ids = receiver.firstArrivals('/sync');
      assert.equal(ids.length, 25);
      assert.ok(isStrictlyIncreasing(ids));

      const [row] = await rows<any>(gw.rt.db, sql`SELECT id::text, external_id, data, run_id::text, at FROM record_events WHERE id = ${ids[0]}`);
      assert.deepEqual(arrivals[0]!.events[0], {
        id: row.id,
        type: 'CREATED',
        collectionId: a.id,
        externalId: row.external_id,
        data: row.data,
        version: 1,
        runId: run.id,
        at: new Date(row.at).toISOString(),
      });

      const w = await readWebhook(hook.id);
      assert.equal(w.deliveries.length, 3);
      assert.deepEqual(new Set(w.deliveries.map((d: any) => d.id)), new Set(arrivals.map((x) => x.deliveryId)), 'X-Tributary-Delivery is the delivery id');
      for (const d of w.deliveries) {
        assert.equal(d.status, 'DELIVERED');
        assert.equal(d.attempts, arrivals.filter((x) => x.deliveryId === d.id).length, 'every attempt is counted');
        assert.equal(d.lastStatusCode, 200);
      }
      const last = w.deliveries[0];
      assert.equal(last.eventCount, 5);
      assert.equal(last.lastEventId, String(ids[24]));
      assert.equal(last.firstEventId, String(ids[20]));
    });

    test('filters: collection and types; progress moves past events a webhook does not want', async () => {
      const all = await createWebhook({ url: receiver.url('/f-all') });
      const onlyB = await createWebhook({ url: receiver.url('/f-b'), collectionId: b.id });
      const aChanges = await createWebhook({ url: receiver.url('/f-a-changes'), collectionId: a.id, types: ['UPDATED', 'DELETED'] });
      const deletes = await createWebhook({ url: receiver.url('/f-deleted'), types: ['DELETED'] });
      const none = await createWebhook({ url: receiver.url('/f-none'), collectionId: b.id, types: ['DELETED'] });
      assert.deepEqual(aChanges.types, ['UPDATED', 'DELETED']);

      const types = ['CREATED', 'UPDATED', 'DELETED'] as const;
      const list = Array.from({ length: 30 }, (_, i) => ({
        collectionId: i % 3 === 0 ? b.dbId : a.dbId,
        type: types[i % 3 === 0 ? 0 : (i >> 1) % 3]!,
        externalId: `f${i}`,
      }));
      const ids = await appendEvents(gw.rt.db, list);
      const expected = (keep: (e: (typeof list)[number]) => boolean) => ids.filter((_, i) => keep(list[i]!));

      for (const hook of [all, onlyB, aChanges, deletes, none]) await caughtUp(hook.id);
      assert.deepEqual(receiver.firstArrivals('/f-all'), ids);
      assert.deepEqual(receiver.firstArrivals('/f-b'), expected((e) => e.collectionId === b.dbId));
      assert.deepEqual(receiver.firstArrivals('/f-a-changes'), expected((e) => e.collectionId === a.dbId && e.type !== 'CREATED'));
      assert.deepEqual(receiver.firstArrivals('/f-deleted'), expected((e) => e.type === 'DELETED'));
      assert.equal(receiver.arrivals.filter((x) => x.path === '/f-none').length, 0);
      const idle = await readWebhook(none.id);
      assert.equal(idle.lastEventId, String(ids.at(-1)), 'a webhook nothing matched still moves past the events');
      assert.equal(idle.deliveries.length, 0);
      for (const x of receiver.arrivals.filter((x) => x.path.startsWith('/f-'))) assert.equal(x.signature, undefined, 'no secret, no signature');
    });

    test('a failed or timed-out batch is retried with the same delivery id and body before later batches', async () => {
      // Each batch: 500 first, then a hang past the timeout, then 200.
      receiver.decide = ({ path, attempt }) => (path !== '/retry' ? 200 : attempt === 1 ? 500 : attempt === 2 ? 'hang' : 200);
      const hook = await createWebhook({ url: receiver.url('/retry'), secret: 's3cret' });
      const ids = await appendEvents(gw.rt.db, Array.from({ length: 25 }, (_, i) => ({ collectionId: a.dbId, type: 'UPDATED' as const, externalId: `r${i}` })));
      await caughtUp(hook.id);
      receiver.decide = () => 200;

      const arrivals = receiver.arrivals.filter((x) => x.path === '/retry');
      assert.deepEqual(receiver.firstArrivals('/retry'), ids);
      // Runs of one delivery id: a batch is retried until through before the next one goes out.
      const runs = arrivals.reduce<Array<{ id: string; n: number }>>((acc, x) => {
        if (acc.at(-1)?.id === x.deliveryId) acc.at(-1)!.n++;
        else acc.push({ id: x.deliveryId, n: 1 });
        return acc;
      }, []);
      assert.equal(runs.length, 3, 'three batches, never interleaved');
      assert.equal(new Set(runs.map((r) => r.id)).size, 3);
      assert.ok(runs.every((r) => r.n >= 3), 'each through on its third attempt (or later)');
      assert.ok(arrivals.some((x) => x.answer === 'hang'));
      for (const bodies of bodiesPerDelivery(arrivals).values()) assert.equal(bodies.size, 1, 'retries carry the same body');
      assert.ok(arrivals.every((x) => verifySignature('s3cret', x)));
      assert.equal(receiver.maxInFlight.get('/retry'), 1);

      const w = await readWebhook(hook.id);
      assert.deepEqual(
        w.deliveries.map((d: any) => [d.id, d.status, d.attempts, d.lastStatusCode]),
        runs.reverse().map((r) => [r.id, 'DELIVERED', r.n, 200]),
        'the log shows every attempt',
      );
    });

    test('after its last attempt a batch is FAILED and the webhook PAUSED; resumeWebhook retries it, then the rest follow', async () => {
      let down = true;
      receiver.decide = ({ path }) => (path === '/pause' && down ? 503 : 200);
      const hook = await createWebhook({ url: receiver.url('/pause') });
      const ids = await appendEvents(gw.rt.db, Array.from({ length: 15 }, (_, i) => ({ collectionId: b.dbId, type: 'CREATED' as const, externalId: `p${i}` })));
      const paused = await waitUntil('the webhook to pause', async () => {
        const w = await readWebhook(hook.id);
        return w.status === 'PAUSED' && w;
      });
      assert.equal(paused.deliveries.length, 1, 'later batches wait');
      const failed = paused.deliveries[0];
      assert.deepEqual([failed.status, failed.attempts, failed.lastStatusCode, failed.nextAttemptAt], ['FAILED', 5, 503, null]);
      assert.match(failed.lastError, /503/);
      assert.equal(paused.lastEventId, String(ids[0]! - 1), 'no progress past the failed batch');
      const sent = receiver.arrivals.filter((x) => x.path === '/pause').length;
      assert.equal(sent, 5);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(receiver.arrivals.filter((x) => x.path === '/pause').length, sent, 'a paused webhook sends nothing');

      down = false;
      const resumed = (await gw.ok(`mutation($id: ID!) { resumeWebhook(id: $id) { ${WEBHOOK_FIELDS} } }`, { id: hook.id })).resumeWebhook;
      assert.equal(resumed.status, 'ACTIVE');
      const done = await caughtUp(hook.id);
      const arrivals = receiver.arrivals.filter((x) => x.path === '/pause');
      assert.equal(arrivals[5]!.deliveryId, failed.id, 'the failed batch goes again first, under its id');
      assert.deepEqual(receiver.firstArrivals('/pause'), ids);
      const [again, ...rest] = done.deliveries.slice().reverse();
      assert.deepEqual([again.id, again.status], [failed.id, 'DELIVERED']);
      assert.equal(again.attempts, arrivals.filter((x) => x.deliveryId === failed.id).length - 5, 'attempts count again from the resume');
      assert.deepEqual(rest.map((d: any) => d.status), ['DELIVERED']);

      const missing = await gw.gql(`mutation { resumeWebhook(id: "${Buffer.from('Webhook:00000000-0000-0000-0000-000000000000').toString('base64')}") { id } }`);
      assert.equal(missing.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    });

    test('a batch whose events retention pruned while the webhook was paused is skipped, not sent empty', async () => {
      receiver.decide = ({ path }) => (path === '/pruned' ? 500 : 200);
      const hook = await createWebhook({ url: receiver.url('/pruned'), collectionId: b.id });
      const ids = await appendEvents(gw.rt.db, Array.from({ length: 3 }, (_, i) => ({ collectionId: b.dbId, type: 'CREATED' as const, externalId: `gone${i}` })));
      await waitUntil('the webhook to pause', async () => (await readWebhook(hook.id)).status === 'PAUSED');
      const sent = receiver.arrivals.filter((x) => x.path === '/pruned').length;
      await gw.rt.db.execute(sql`DELETE FROM record_events WHERE id <= ${ids.at(-1)!}`);
      receiver.decide = () => 200;
      await gw.ok(`mutation($id: ID!) { resumeWebhook(id: $id) { id } }`, { id: hook.id });
      const w = await waitUntil('the batch skipped', async () => {
        const x = await readWebhook(hook.id);
        return x.deliveries[0].status === 'DELIVERED' && x;
      });
      assert.equal(w.lastEventId, String(ids.at(-1)));
      assert.match(w.deliveries[0].lastError, /pruned/);
      assert.equal(receiver.arrivals.filter((x) => x.path === '/pruned').length, sent, 'nothing sent');
    });

    test('the secret is write-only: sealed at rest, never in the API', async () => {
      const secret = 'whsec_never_shown_42';
      const hook = await createWebhook({ url: receiver.url('/secret'), secret });
      const everything = await gw.ok(`{ webhooks { ${WEBHOOK_FIELDS} deliveries { ${DELIVERY_FIELDS} } } }`);
      assert.ok(!JSON.stringify(everything).includes(secret));
      const type = await gw.ok(`{ __type(name: "Webhook") { fields { name } } }`);
      assert.ok(!type.__type.fields.some((f: { name: string }) => /secret/i.test(f.name) && f.name !== 'hasSecret'));
      const [row] = await rows<{ secret: string }>(gw.rt.db, sql`SELECT secret FROM webhooks WHERE id = ${decodeId('Webhook', hook.id)}`);
      assert.ok(row!.secret.startsWith('v1.') && !row!.secret.includes(secret), 'sealed at rest');
      const bad = await gw.gql(`mutation { createWebhook(input: { url: "not a url" }) { id } }`);
      assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    });
  });
}
