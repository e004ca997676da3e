import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Config } from '../../src/config';
import { createPostgresDatabase, type TestDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { createItemsCollection } from '../sync/fixtures';
import { appendEvents, DELIVERY_FIELDS } from './fixtures';
import { bodiesPerDelivery, isStrictlyIncreasing, startReceiver, waitUntil, type Receiver } from './receiver';

const FAST: Config['webhooks'] = { batchSize: 5, timeoutMs: 300, backoffBaseMs: 20, backoffMaxMs: 100, leaseMs: 1_500, concurrency: 3 };
const PATHS = ['/i0', '/i1', '/i2', '/i3', '/i4'];

describe('webhooks on several instances sharing one PostgreSQL', () => {
  let db: TestDatabase;
  let receiver: Receiver;
  let client: pg.Client;
  const gateways: TestGateway[] = [];
  before(async () => {
    db = await createPostgresDatabase();
    receiver = await startReceiver();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  after(async () => {
    for (const gw of gateways) await gw.stop().catch(() => {});
    await client?.end();
    await receiver?.close();
    await db?.drop();
  });
  const start = async (webhooks: Config['webhooks']) => {
    const gw = await startGateway(db.config, { webhooks });
    gateways.push(gw);
    return gw;
  };
  const stop = async (gw: TestGateway) => {
    gateways.splice(gateways.indexOf(gw), 1);
    const t0 = Date.now();
    await gw.stop();
    return Date.now() - t0;
  };
  const q = async <T = any>(text: string, values: unknown[] = []) => (await client.query(text, values)).rows as T[];
  const headId = async () => Number((await q(`SELECT coalesce(max(id), 0)::text AS id FROM record_events`))[0].id);

  test('two instances: one sender per webhook at a time, first arrivals strictly increasing; a stopping instance hands its webhooks over', async () => {
    const a = await start(FAST);
    const b = await start(FAST);
    const collection = await createItemsCollection(a, { baseUrl: 'http://127.0.0.1:9' });
    for (const path of PATHS) await a.ok(`mutation($i: WebhookInput!) { createWebhook(input: $i) { id } }`, { i: { url: receiver.url(path) } });
    receiver.latency = (n) => (n * 7) % 40;
    receiver.decide = ({ n }) => (n % 6 === 0 ? 500 : n % 23 === 0 ? 'hang' : 200);

    // Which instances hold leases, sampled while the events go out.
    const owners = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const r of await q(`SELECT lease_owner FROM webhooks WHERE lease_owner IS NOT NULL AND lease_expires_at > now()`)) owners.add(r.lease_owner);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    const ids: number[] = [];
    for (let round = 0; round < 12; round++) {
      const list = Array.from({ length: 12 }, (_, i) => ({ collectionId: collection.dbId, type: 'CREATED' as const, externalId: `e${round}-${i}` }));
      ids.push(...(await appendEvents((round % 2 ? a : b).rt.db, list)));
      await new Promise((r) => setTimeout(r, 40));
    }
    await waitUntil('both instances sending', () => owners.has(a.rt.instanceId) && owners.has(b.rt.instanceId), 15_000);

    // A clean stop of one instance mid-way: it hands its webhooks back and the other goes on.
    await waitUntil('some progress', () => PATHS.every((p) => receiver.firstArrivals(p).length >= 20), 15_000);
    const took = await stop(a);
    assert.ok(took < 4_000, `stop took ${took} ms`);
    assert.deepEqual(await q(`SELECT id FROM webhooks WHERE lease_owner = $1`, [a.rt.instanceId]), [], 'a stopped instance holds no lease');

    await waitUntil('every webhook caught up', async () => {
      const head = await headId();
      return (await q(`SELECT last_event_id::text AS last FROM webhooks`)).every((w) => Number(w.last) === head);
    }, 30_000);
    sampling = false;
    await sampler;

    for (const path of PATHS) {
      const first = receiver.firstArrivals(path);
      assert.deepEqual(first, ids, `${path}: every event, in order`);
      assert.ok(isStrictlyIncreasing(first));
      assert.equal(receiver.maxInFlight.get(path), 1, `${path}: never two requests in flight`);
    }
    for (const bodies of bodiesPerDelivery(receiver.arrivals).values()) assert.equal(bodies.size, 1);
    const [dups] = await q(`SELECT count(*)::int AS n FROM webhook_deliveries GROUP BY webhook_id, first_event_id ORDER BY 1 DESC LIMIT 1`);
    assert.equal(dups.n, 1, 'no batch was created twice');
  });

  test('stop() aborts a POST in flight, returns at once and releases the lease; the next instance re-sends the same batch', async () => {
    for (const gw of [...gateways]) await stop(gw);
    receiver.latency = () => 0;
    receiver.decide = ({ path }) => (path === '/slow' ? 'hang' : 200);
    const slow = await start({ ...FAST, timeoutMs: 10_000 });
    const collection = await createItemsCollection(slow, { baseUrl: 'http://127.0.0.1:9' });
    const hook = (await slow.ok(`mutation($i: WebhookInput!) { createWebhook(input: $i) { id } }`, { i: { url: receiver.url('/slow') } })).createWebhook;
    await appendEvents(slow.rt.db, [{ collectionId: collection.dbId, type: 'CREATED', externalId: 'x' }]);
    const hanging = await waitUntil('a request in flight', () => receiver.arrivals.find((x) => x.path === '/slow'));

    const took = await stop(slow);
    assert.ok(took < 3_000, `stop took ${took} ms with a 10 s request in flight`);
    const [row] = await q(`SELECT lease_owner, last_event_id::text AS last FROM webhooks WHERE lease_owner IS NOT NULL OR url LIKE '%/slow'`);
    assert.equal(row.lease_owner, null, 'lease released');
    const [delivery] = await q(`SELECT id::text, status, attempts FROM webhook_deliveries WHERE id = $1`, [hanging.deliveryId]);
    assert.deepEqual(delivery, { id: hanging.deliveryId, status: 'PENDING', attempts: 0 }, 'an aborted attempt is not a failure');

    receiver.decide = () => 200;
    const next = await start(FAST);
    const t0 = Date.now();
    await waitUntil('the batch again', () => receiver.arrivals.filter((x) => x.path === '/slow').length >= 2, 5_000);
    assert.ok(Date.now() - t0 < 2_000, 'taken over at once, not after the lease would have run out');
    const arrivals = receiver.arrivals.filter((x) => x.path === '/slow');
    assert.equal(arrivals[1]!.deliveryId, hanging.deliveryId);
    assert.equal(arrivals[1]!.body, hanging.body);
    const w = await waitUntil('delivered', async () => {
      const node = (await next.ok(`query($id: ID!) { node(id: $id) { ... on Webhook { deliveries { ${DELIVERY_FIELDS} } } } }`, { id: hook.id })).node;
      return node.deliveries[0].status === 'DELIVERED' && node;
    });
    assert.equal(w.deliveries[0].attempts, 1);
  });
});
