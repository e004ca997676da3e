/**
 * An API where a fifth of the requests fail in every way real ones do: the
 * import must still end with exactly the source's records, each failure
 * costing exactly one retry.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, test } from 'node:test';
import { closeSourceClients } from '../../src/connectors/index';
import { ConnectorError } from '../../src/connectors/errors';
import { fakeRecords, sendJson, startApiServer } from '../helpers/api-server';
import { assertExactly, drain, makeCollection, makeSource } from './fixtures';

after(() => closeSourceClients());

/** mulberry32: the same failures on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAILURES = ['429', '500', '502', '503', '504', 'reset', 'truncated', 'hang', 'stalled-body'] as const;

test('an import through 429s, 5xx, resets, truncated JSON and hangs ends with exactly the records', async () => {
  const all = fakeRecords(2000);
  const random = prng(7);
  const failures = new Map<string, number>();
  const hung: ServerResponse[] = [];
  const api = await startApiServer((req, res, url) => {
    if (random() < 0.2) {
      // Kinds in turn, so each shows up about equally often.
      const kind = FAILURES[[...failures.values()].reduce((a, b) => a + b, 0) % FAILURES.length]!;
      failures.set(kind, (failures.get(kind) ?? 0) + 1);
      switch (kind) {
        case '429':
          // One second asked, capped at the policy's maxDelayMs (50 ms).
          return sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '1' });
        case 'reset':
          return req.socket.destroy();
        case 'truncated': {
          const text = JSON.stringify({ data: all.slice(0, 5), has_more: true }).slice(0, 40);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          return res.end(text);
        }
        case 'hang':
          hung.push(res);
          return;
        case 'stalled-body':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10_000 });
          res.write('{"data": [');
          hung.push(res);
          return;
        default:
          return sendJson(res, Number(kind), { error: kind });
      }
    }
    const limit = Number(url.searchParams.get('limit'));
    const afterId = url.searchParams.get('starting_after');
    const start = afterId ? all.findIndex((r) => r.id === afterId) + 1 : 0;
    sendJson(res, 200, { data: all.slice(start, start + limit), has_more: start + limit < all.length });
  });
  try {
    const source = makeSource({
      baseUrl: api.baseUrl,
      timeoutMs: 300,
      retry: { maxRetries: 10, baseDelayMs: 5, maxDelayMs: 50 },
    });
    const collection = makeCollection({
      path: '/v1/charges',
      dataPath: '$.data',
      pagination: {
        type: 'CURSOR', cursorParam: 'starting_after', cursorPath: '$.id', cursorFromLastRecord: true,
        hasMorePath: '$.has_more', limitParam: 'limit', pageSize: 25,
      },
    });
    const counters = { requests: 0, retries: 0 };
    const started = performance.now();
    const got = await drain(source, collection, { counters });
    const failed = [...failures.values()].reduce((a, b) => a + b, 0);

    assertExactly(got.ids, all.map((r) => r.id));
    assert.equal(got.pages.length, 80);
    assert.ok(failed >= 12, `only ${failed} failures: ${JSON.stringify([...failures])}`);
    for (const kind of FAILURES) assert.ok(failures.has(kind), `no ${kind} happened`);
    assert.deepEqual(counters, { requests: api.requests, retries: failed });
    assert.ok(performance.now() - started < 15_000);
  } finally {
    for (const res of hung) res.destroy();
    await api.close();
  }
});

test('a request that keeps failing gives up after maxRetries with the last error', async () => {
  const api = await startApiServer((_req, res) => sendJson(res, 503, { error: 'maintenance' }));
  try {
    const source = makeSource({ baseUrl: api.baseUrl, retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    const counters = { requests: 0, retries: 0 };
    await assert.rejects(drain(source, makeCollection({ path: '/x' }), { counters }), (err: unknown) => {
      assert.ok(err instanceof ConnectorError);
      assert.equal(err.details.status, 503);
      assert.match(err.message, /GET http:\/\/127\.0\.0\.1:\d+\/x answered 503: \{"error":"maintenance"\} \(gave up after 3 retries\)/);
      return true;
    });
    assert.deepEqual(counters, { requests: 4, retries: 3 });
  } finally {
    await api.close();
  }
});

test('an abort stops a run waiting in backoff at once', async () => {
  const api = await startApiServer((_req, res) => sendJson(res, 429, {}, { 'retry-after': '30' }));
  try {
    const source = makeSource({ baseUrl: api.baseUrl, retry: { maxRetries: 5, baseDelayMs: 10_000, maxDelayMs: 30_000 } });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('cancelled')), 100);
    await assert.rejects(drain(source, makeCollection({ path: '/x' }), { signal: controller.signal }), /cancelled/);
    assert.ok(performance.now() - started < 2_000);
  } finally {
    await api.close();
  }
});
