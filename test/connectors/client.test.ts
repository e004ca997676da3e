/**
 * Per-source clients: cached by id, rebuilt on a config change, closed only
 * when their last run is done; and what every page request carries.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { leaseSourceClient } from '../../src/connectors/client';
import { closeSourceClients } from '../../src/connectors/index';
import { sendJson, startApiServer } from '../helpers/api-server';
import { drain, makeCollection, makeSource } from './fixtures';

after(() => closeSourceClients());

test('one client per source id, rebuilt when updatedAt changes, closed after its last lease', async () => {
  const source = makeSource({ baseUrl: 'http://127.0.0.1:9' });
  const a = leaseSourceClient(source);
  const b = leaseSourceClient(source);
  assert.equal(a.client, b.client);

  const updated = { ...source, updatedAt: new Date(source.updatedAt.getTime() + 1000) };
  const c = leaseSourceClient(updated);
  assert.notEqual(c.client, a.client);
  // A run that started before the update keeps getting the newer client, not a third one.
  const d = leaseSourceClient(source);
  assert.equal(d.client, c.client);

  let closed = false;
  const closing = closeSourceClients(source.id).then(() => (closed = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closed, false, 'closed while runs still held it');
  for (const lease of [a, b, c, d]) lease.release();
  await closing;
  assert.equal(closed, true);
  assert.notEqual(leaseSourceClient(source).client, c.client);
});

test('followed next URLs keep the API key, the page size and the incremental since-parameter', async () => {
  const seen: URL[] = [];
  const api = await startApiServer((_req, res, url) => {
    seen.push(url);
    if (url.searchParams.get('token') !== 'k3y') return sendJson(res, 401, { error: 'no key' });
    const page = Number(url.searchParams.get('p') ?? 1);
    // The API's own next links drop every parameter but the page.
    sendJson(res, 200, { rows: [{ id: page }], next: page < 3 ? `/rows?p=${page + 1}` : null });
  });
  try {
    const source = makeSource({ baseUrl: api.baseUrl, auth: { type: 'API_KEY', location: 'QUERY', name: 'token', key: 'k3y' } });
    const collection = makeCollection({
      path: '/rows',
      dataPath: '$.rows',
      pagination: { type: 'NEXT_URL', nextUrlPath: '$.next', limitParam: 'size', pageSize: 1 },
    });
    const got = await drain(source, collection, { extraQuery: { since: '2024-01-01T00:00:00Z' } });
    assert.deepEqual(got.ids, ['1', '2', '3']);
    for (const url of seen) {
      assert.equal(url.searchParams.get('size'), '1');
      assert.equal(url.searchParams.get('since'), '2024-01-01T00:00:00Z');
    }
    assert.deepEqual(got.checkpoints, [
      { type: 'NEXT_URL', url: `${api.baseUrl}/rows?p=2` },
      { type: 'NEXT_URL', url: `${api.baseUrl}/rows?p=3` },
      null,
    ]);
  } finally {
    await api.close();
  }
});

test('a token endpoint that keeps failing is retried by its own policy only', async () => {
  const api = await startApiServer((_req, res) => sendJson(res, 503, { error: 'down' }));
  try {
    const source = makeSource({
      baseUrl: api.baseUrl,
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 },
      auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl: '/token', clientId: 'id', clientSecret: 'sec' },
    });
    await assert.rejects(drain(source, makeCollection({ path: '/x' })), /POST .*\/token answered 503/);
    assert.equal(api.requests, 3);
  } finally {
    await api.close();
  }
});
