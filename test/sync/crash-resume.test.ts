import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { decodeId } from '../../src/catalog/ids';
import { createPostgresDatabase, type TestDatabase } from '../helpers/db';
import { makeItems, startFakeApi, type FakeApi } from './fixtures';
import { spawnGateway, type GatewayProcess } from './gateway-process';

// Killing and restarting a process needs a database that outlives it and is
// shared between processes: PostgreSQL (PGlite lives inside one process).
describe('crash safety on PostgreSQL (gateway child processes)', () => {
  let db: TestDatabase;
  let api: FakeApi;
  let client: pg.Client;
  const children: GatewayProcess[] = [];
  before(async () => {
    db = await createPostgresDatabase();
    api = await startFakeApi(makeItems(300));
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await client?.end();
    await api?.close();
    await db?.drop();
  });

  async function start(): Promise<GatewayProcess> {
    const gw = await spawnGateway(db.url!);
    children.push(gw);
    return gw;
  }
  const q = async <T = any>(text: string, values: unknown[] = []) => (await client.query(text, values)).rows as T[];
  async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${children.map((c) => c.output()).join('\n---\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const runRow = async (id: string) => (await q(`SELECT * FROM sync_runs WHERE id = $1`, [id]))[0];

  test('SIGKILL mid-import: a restarted gateway resumes the run from its checkpoint; then SIGTERM hands a run back at once', async () => {
    let gw = await start();
    const source = (await gw.gql(`mutation($i: SourceInput!) { createSource(input: $i) { id } }`, { i: { name: 'slow', baseUrl: api.baseUrl, retry: { maxRetries: 0 } } })).createSource;
    const collection = (
      await gw.gql(`mutation($i: CollectionInput!) { createCollection(input: $i) { id } }`, {
        i: { sourceId: source.id, name: 'items', path: '/items', dataPath: '$.data', pagination: { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit', pageSize: 20 } },
      })
    ).createCollection;
    const collectionId = decodeId('Collection', collection.id);
    const startFull = async (g: GatewayProcess) => decodeId('SyncRun', (await g.gql(`mutation($id: ID!) { startSync(collectionId: $id, mode: FULL) { id } }`, { id: collection.id })).startSync.id);

    const first = await startFull(gw);
    await waitFor('the first run', async () => (await runRow(first)).status === 'SUCCEEDED');

    // Upstream: two records gone early in the list, one late, one new.
    for (const id of ['it_00002', 'it_00005', 'it_00290']) api.items.delete(id);
    api.items.set('it_09999', { id: 'it_09999', name: 'new', amount: 1, updated: new Date().toISOString() });
    api.delayMs = 120;
    const runId = await startFull(gw);
    await waitFor('a few pages', async () => (await runRow(runId)).pages >= 4);
    gw.child.kill('SIGKILL');
    await gw.exited;
    const killed = await runRow(runId);
    assert.equal(killed.status, 'RUNNING', 'the killed run is left RUNNING with its lease');
    assert.ok(killed.checkpoint, 'and a checkpoint');

    gw = await start();
    const done = await waitFor('the resumed run', async () => {
      const r = await runRow(runId);
      return r.status !== 'RUNNING' && r.status !== 'QUEUED' && r;
    });
    assert.equal(done.status, 'SUCCEEDED', done.error);
    assert.equal(done.attempts, 2);
    assert.equal(done.pages, 15, 'each page committed once: the resumed run went on from the checkpoint');
    assert.deepEqual([done.fetched, done.created, done.updated, done.deleted], [298, 1, 0, 3]);
    const [counts] = await q(`SELECT count(*)::int AS all, count(DISTINCT external_id)::int AS distinct, count(*) FILTER (WHERE deleted_at IS NULL)::int AS live FROM records WHERE collection_id = $1`, [collectionId]);
    assert.deepEqual(counts, { all: 301, distinct: 301, live: 298 });
    const deleted = await q(`SELECT external_id FROM records WHERE collection_id = $1 AND deleted_at IS NOT NULL ORDER BY 1`, [collectionId]);
    assert.deepEqual(deleted.map((r) => r.external_id), ['it_00002', 'it_00005', 'it_00290'], 'records seen before the crash were not deleted');
    const [events] = await q(`SELECT count(*)::int AS n FROM record_events WHERE run_id = $1`, [runId]);
    assert.equal(events.n, 4, 'one event per change, none doubled');

    // SIGTERM: exits 0 well within 10 s and hands the run back with its lease expired.
    // Unchanged pages commit their progress about once a second: watch the upstream instead.
    api.delayMs = 250;
    const requestsBefore = api.log.length;
    const third = await startFull(gw);
    await waitFor('a page of the third run', async () => api.log.length - requestsBefore >= 3);
    const t0 = Date.now();
    gw.child.kill('SIGTERM');
    const exit = await gw.exited;
    assert.equal(exit.code, 0, gw.output());
    assert.ok(Date.now() - t0 < 10_000, `stopped in ${Date.now() - t0} ms`);
    const handedBack = (await q(`SELECT status, lease_expires_at <= now() AS expired FROM sync_runs WHERE id = $1`, [third]))[0];
    assert.deepEqual(handedBack, { status: 'RUNNING', expired: true });
    api.delayMs = 0;
    gw = await start();
    const resumed = await waitFor('the handed-back run', async () => {
      const r = await runRow(third);
      return r.status === 'SUCCEEDED' && r;
    }, 15_000);
    assert.equal(resumed.pages, 15);
    assert.equal(resumed.unchanged, 298);
    const [stuck] = await q(`SELECT count(*)::int AS n FROM sync_runs WHERE status IN ('QUEUED', 'RUNNING')`);
    assert.equal(stuck.n, 0, 'no run stays RUNNING');
    gw.child.kill('SIGTERM');
    assert.equal((await gw.exited).code, 0);
  });
});
