/**
 * What goes wrong must say what and where: non-JSON answers, a dataPath that
 * holds no array, 4xx with their body, records without ids, loops, and never
 * a secret in a message.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeSourceClients, fetchPages } from '../../src/connectors/index';
import { ConnectorError } from '../../src/connectors/errors';
import { readBody, sendJson, startApiServer } from '../helpers/api-server';
import { drain, makeCollection, makeSource } from './fixtures';

after(() => closeSourceClients());

async function firstPage(...args: Parameters<typeof fetchPages>) {
  for await (const page of fetchPages(...args)) return page;
  throw new Error('no page');
}

test('a non-JSON answer names its content type and is not retried', async () => {
  const api = await startApiServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<html><body>Login</body></html>');
  });
  try {
    const source = makeSource({ baseUrl: api.baseUrl });
    await assert.rejects(
      drain(source, makeCollection({ path: '/items' })),
      /GET http:\/\/127\.0\.0\.1:\d+\/items answered with content type "text\/html; charset=utf-8", not JSON: <html><body>Login/,
    );
    assert.equal(api.requests, 1);
  } finally {
    await api.close();
  }
});

test('a dataPath that holds no array is a clear error', async () => {
  const api = await startApiServer((_req, res) => sendJson(res, 200, { data: { id: 1 }, list: null }));
  try {
    const source = makeSource({ baseUrl: api.baseUrl });
    await assert.rejects(
      drain(source, makeCollection({ path: '/items', dataPath: '$.data' })),
      /expected an array of records at dataPath "\$\.data", found an object/,
    );
    await assert.rejects(drain(source, makeCollection({ path: '/items', dataPath: '$.results' })), /found nothing/);
    await assert.rejects(drain(source, makeCollection({ path: '/items', dataPath: '$.list' })), /found null/);
  } finally {
    await api.close();
  }
});

test('a 404 fails at once with status, URL and the start of the body; the API key is masked', async () => {
  const body = { error: 'no such resource', detail: 'x'.repeat(1000) };
  const api = await startApiServer((_req, res) => sendJson(res, 404, body));
  try {
    const source = makeSource({
      baseUrl: api.baseUrl,
      auth: { type: 'API_KEY', location: 'QUERY', name: 'api_key', key: 'KEY-123456' },
    });
    const counters = { requests: 0, retries: 0 };
    await assert.rejects(drain(source, makeCollection({ path: '/missing' }), { counters }), (err: unknown) => {
      assert.ok(err instanceof ConnectorError);
      assert.equal(err.details.status, 404);
      assert.equal(err.details.retryable, false);
      assert.match(err.message, /^GET http:\/\/127\.0\.0\.1:\d+\/missing\?api_key=\*\*\* answered 404: \{"error":"no such resource"/);
      assert.ok(!err.message.includes('KEY-123456'));
      assert.ok(err.message.length < 450, `message is ${err.message.length} chars`);
      assert.ok(err.message.endsWith('…'));
      return true;
    });
    assert.deepEqual(counters, { requests: 1, retries: 0 });
  } finally {
    await api.close();
  }
});

test('records without an id get externalId null; numeric ids become strings', async () => {
  const api = await startApiServer((_req, res) =>
    sendJson(res, 200, [{ id: 7 }, { name: 'no id' }, { id: 'abc' }, { id: null }, { id: '' }, { id: { nested: 1 } }]),
  );
  try {
    const page = await firstPage(makeSource({ baseUrl: api.baseUrl }), makeCollection({ path: '/items' }));
    assert.deepEqual(page.items.map((i) => i.externalId), ['7', null, 'abc', null, null, null]);
    assert.equal(page.next, null);
  } finally {
    await api.close();
  }
});

test('path placeholders, query arrays, custom headers and a JSON body make the request', async () => {
  let seen: { method?: string; url?: string; headers?: Record<string, unknown>; body?: string } = {};
  const api = await startApiServer(async (req, res) => {
    seen = { method: req.method, url: req.url, headers: req.headers, body: await readBody(req) };
    sendJson(res, 200, { hits: [] });
  });
  try {
    const source = makeSource({ baseUrl: `${api.baseUrl}/api`, headers: { 'X-Tenant': 't1', 'User-Agent': 'tributary-test' } });
    const collection = makeCollection({
      method: 'post',
      path: '/v1/users/{userId}/search',
      pathParams: { userId: 'a b/c' },
      query: { tag: ['x', 'y'], active: true, n: 3 },
      headers: { 'x-collection': 'c1', 'X-Tenant': 't2' },
      body: { query: { match_all: {} } },
      dataPath: '$.hits',
    });
    const page = await firstPage(source, collection);
    assert.equal(page.items.length, 0);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/api/v1/users/a%20b%2Fc/search?tag=x&tag=y&active=true&n=3');
    assert.equal(seen.headers?.['x-tenant'], 't2');
    assert.equal(seen.headers?.['x-collection'], 'c1');
    assert.equal(seen.headers?.['user-agent'], 'tributary-test');
    assert.equal(seen.headers?.['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen.body ?? ''), { query: { match_all: {} } });

    await assert.rejects(
      firstPage(source, { ...collection, pathParams: {} }),
      /path "\/v1\/users\/\{userId\}\/search" needs a value for \{userId\} in pathParams/,
    );
  } finally {
    await api.close();
  }
});

test('a cursor or next URL that comes back again fails instead of looping', async () => {
  const api = await startApiServer((_req, res, url) => {
    if (url.pathname === '/cursor') return sendJson(res, 200, { data: [{ id: 1 }], next: 'same' });
    if (url.pathname === '/next') return sendJson(res, 200, { data: [{ id: 1 }], next: '/next?page=2' });
    sendJson(res, 200, { data: [{ id: 1 }], next: 'http://example.com/steal' });
  });
  try {
    const source = makeSource({ baseUrl: api.baseUrl });
    await assert.rejects(
      drain(source, makeCollection({
        path: '/cursor', dataPath: '$.data',
        pagination: { type: 'CURSOR', cursorParam: 'c', cursorPath: '$.next', cursorFromLastRecord: false },
      })),
      /the API returned the same cursor twice \(same\)/,
    );
    await assert.rejects(
      drain(source, makeCollection({ path: '/next', dataPath: '$.data', pagination: { type: 'NEXT_URL', nextUrlPath: '$.next' } })),
      /the API returned the same next URL twice/,
    );
    await assert.rejects(
      drain(source, makeCollection({ path: '/other', dataPath: '$.data', pagination: { type: 'NEXT_URL', nextUrlPath: '$.next' } })),
      /is not on http:\/\/127\.0\.0\.1:\d+; refusing to send the source's credentials there/,
    );
  } finally {
    await api.close();
  }
});

test('a pagination config missing a field says which', async () => {
  const source = makeSource({ baseUrl: 'http://127.0.0.1:9' });
  const pagination = { type: 'OFFSET', offsetParam: 'offset', pageSize: 10 } as never;
  await assert.rejects(drain(source, makeCollection({ path: '/x', pagination })), /OFFSET pagination needs limitParam/);
});
