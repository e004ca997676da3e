import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createPostgresDatabase, type TestDatabase } from '../helpers/db';
import { makeItems, startFakeApi, type FakeApi } from '../sync/fixtures';
import { spawnGateway, type GatewayProcess } from '../sync/gateway-process';
import { DELIVERY_FIELDS } from './fixtures';
import { bodiesPerDelivery, isStrictlyIncreasing, startReceiver, verifySignature, waitUntil, type Receiver } from './receiver';

// Killing a gateway and starting another needs a database shared between
// processes that outlives them: PostgreSQL.
describe('webhooks through a SIGKILL on PostgreSQL (gateway child processes)', () => {
  let db: TestDatabase;
  let api: FakeApi;
  let receiver: Receiver;
  let client: pg.Client;
  const children: GatewayProcess[] = [];
  before(async () => {
    db = await createPostgresDatabase();
    api = await startFakeApi(makeItems(120));
    receiver = await startReceiver();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await client?.end();
    await receiver?.close();
    await api?.close();
    await db?.drop();
  });

  async function start(): Promise<GatewayProcess> {
    const gw = await spawnGateway(db.url!, {
      TRIBUTARY_WEBHOOK_BATCH_SIZE: '10',
      TRIBUTARY_WEBHOOK_TIMEOUT_MS: '400',
      TRIBUTARY_WEBHOOK_BACKOFF_BASE_MS: '30',
      TRIBUTARY_WEBHOOK_BACKOFF_MAX_MS: '300',
      TRIBUTARY_WEBHOOK_LEASE_MS: '1000',
      TRIBUTARY_WEBHOOK_MAX_ATTEMPTS: '100',
    });
    children.push(gw);
    return gw;
  }
  const q = async <T = any>(text: string, values: unknown[] = []) => (await client.query(text, values)).rows as T[];
  const runDone = (runId: string) =>
    waitUntil(`run ${runId}`, async () => (await q(`SELECT status FROM sync_runs WHERE id = $1`, [runId]))[0]?.status === 'SUCCEEDED', 30_000);

  test('flaky receiver and a SIGKILL mid-delivery: every event arrives, first arrivals in order, signed, retries identical, attempts logged', async () => {
    const secret = 'whsec_crash_test';
    let gw = await start();
    const source = (await gw.gql(`mutation($i: SourceInput!) { createSource(input: $i) { id } }`, { i: { name: 'api', baseUrl: api.baseUrl, retry: { maxRetries: 0 } } })).createSource;
    const collection = (
      await gw.gql(`mutation($i: CollectionInput!) { createCollection(input: $i) { id } }`, {
        i: { sourceId: source.id, name: 'items', path: '/items', dataPath: '$.data', pagination: { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit', pageSize: 20 } },
      })
    ).createCollection;
    const hook = (await gw.gql(`mutation($i: WebhookInput!) { createWebhook(input: $i) { id } }`, { i: { url: receiver.url('/hook'), secret } })).createWebhook;
    const sync = async (g: GatewayProcess) => {
      const run = (await g.gql(`mutation($id: ID!) { startSync(collectionId: $id, mode: FULL) { id } }`, { id: collection.id })).startSync;
      await runDone(Buffer.from(run.id, 'base64').toString().split(':')[1]!);
    };

    // A quarter of the requests answer 500, about one in nine hangs past the
    // timeout, and once 40 events are through, the next request hangs while
    // the gateway is killed: its batch was seen but never acknowledged.
    let killAt: { deliveryId: string; n: number } | null = null;
    // Armed once the run has ended: a kill before that would leave the run to
    // the restarted gateway, and sync() waits on the killed one.
    let armed = false;
    receiver.decide = ({ n, deliveryId }) => {
      if (armed && !killAt && receiver.firstArrivals('/hook').length >= 40) {
        killAt = { deliveryId, n };
        gw.child.kill('SIGKILL');
        return 'hang';
      }
      return n % 4 === 0 ? 500 : n % 9 === 5 ? 'hang' : 200;
    };
    await sync(gw);
    armed = true;
    await waitUntil('the kill', () => killAt, 30_000);
    const exit = await gw.exited;
    assert.equal(exit.signal, 'SIGKILL');

    gw = await start();
    // More changes after the restart: updates and deletes, in later batches.
    for (const id of ['it_00003', 'it_00050', 'it_00111']) api.items.delete(id);
    for (const item of makeItems(10, 60)) api.items.set(item.id, { ...item, name: `${item.name} (changed)` });
    await sync(gw);

    const allIds = async () => (await q<{ id: string }>(`SELECT id::text FROM record_events ORDER BY record_events.id`)).map((r) => Number(r.id));
    await waitUntil('every event delivered', async () => {
      const [w] = await q(`SELECT last_event_id::text AS last FROM webhooks`);
      const ids = await allIds();
      return Number(w.last) === ids.at(-1) && ids.length > 0;
    }, 60_000).catch(async (err) => {
      const state = { webhooks: await q(`SELECT * FROM webhooks`), pending: await q(`SELECT * FROM webhook_deliveries WHERE status <> 'DELIVERED'`), head: (await allIds()).at(-1) };
      throw new Error(`${err.message}\n${JSON.stringify(state)}\n${children.map((c) => c.output().slice(-3000)).join('\n---\n')}`);
    });
    const ids = await allIds();
    assert.equal(ids.length, 120 + 3 + 10);

    const first = receiver.firstArrivals('/hook');
    assert.deepEqual(first, ids, 'every event arrived, first arrivals in event order');
    assert.ok(isStrictlyIncreasing(first));
    const arrivals = receiver.arrivals;
    assert.ok(arrivals.every((a) => verifySignature(secret, a)), 'every signature verifies');
    for (const [id, bodies] of bodiesPerDelivery(arrivals)) assert.equal(bodies.size, 1, `delivery ${id}: one body on every retry`);
    assert.equal(receiver.maxInFlight.get('/hook'), 1, 'one request in flight at a time');
    const kill = killAt as unknown as { deliveryId: string; n: number };
    const again = arrivals.filter((a) => a.deliveryId === kill.deliveryId && a.n > kill.n);
    assert.ok(again.length >= 1, 'the batch in flight at the kill went again after the restart, same delivery id');
    assert.ok(arrivals.filter((a) => a.answer === 500).length >= arrivals.length / 5);
    assert.ok(arrivals.some((a) => a.answer === 'hang'));

    const deliveries = (
      await gw.gql(`query($id: ID!) { node(id: $id) { ... on Webhook { status deliveries(first: 500) { ${DELIVERY_FIELDS} } } } }`, { id: hook.id })
    ).node.deliveries as any[];
    assert.ok(deliveries.every((d) => d.status === 'DELIVERED'));
    assert.equal(deliveries.length, new Set(arrivals.map((a) => a.deliveryId)).size, 'one delivery row per batch sent');
    assert.equal(deliveries.reduce((n, d) => n + d.eventCount, 0), ids.length, 'no event in two batches');
    // Every request is in the log, except the one cut short by the kill.
    assert.equal(deliveries.reduce((n, d) => n + d.attempts, 0), arrivals.length - 1);
    assert.ok(deliveries.some((d) => d.attempts > 1));
    gw.child.kill('SIGTERM');
    assert.equal((await gw.exited).code, 0);
  });
});
