/**
 * The per-source sliding window, seen from the server: never more than N
 * requests in any window, whatever the number of concurrent runs.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeSourceClients } from '../../src/connectors/index';
import { SlidingWindowLimiter } from '../../src/connectors/rate-limit';
import { fakeRecords, sendJson, startApiServer } from '../helpers/api-server';
import { assertExactly, drain, makeCollection, makeSource } from './fixtures';

after(() => closeSourceClients());

/** The most arrivals in any window of `windowMs` (windows start at an arrival, which is where the maximum is). */
function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

test('two concurrent runs of one source never exceed 5 requests per 0.5 s at the server', async () => {
  const all = fakeRecords(90);
  const arrivals: number[] = [];
  const api = await startApiServer((_req, res, url) => {
    arrivals.push(performance.now());
    const offset = Number(url.searchParams.get('offset'));
    // Some latency, varying, as on a real network.
    setTimeout(() => sendJson(res, 200, all.slice(offset, offset + 10)), arrivals.length % 3 === 0 ? 30 : 2);
  });
  try {
    const source = makeSource({ baseUrl: api.baseUrl, rateLimit: { requests: 5, perSeconds: 0.5 } });
    const collection = (path: string) =>
      makeCollection({ path, pagination: { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit', pageSize: 10 } });
    const started = performance.now();
    const [a, b] = await Promise.all([drain(source, collection('/a')), drain(source, collection('/b'))]);
    const elapsed = performance.now() - started;

    assertExactly(a.ids, all.map((r) => r.id));
    assertExactly(b.ids, all.map((r) => r.id));
    assert.equal(arrivals.length, 20);
    assert.ok(maxInWindow(arrivals, 500) <= 5, `saw ${maxInWindow(arrivals, 500)} requests in one window`);
    // 20 requests at 5 per 0.5 s need at least three full windows after the first burst.
    assert.ok(elapsed >= 1_500, `finished in ${elapsed} ms: not limited`);
    assert.ok(elapsed < 4_000, `finished in ${elapsed} ms: limited too hard`);
  } finally {
    await api.close();
  }
});

test('the limiter lets N through at once, then one per released slot a window later', async () => {
  const limiter = new SlidingWindowLimiter({ requests: 3, perSeconds: 0.2 });
  const start = performance.now();
  const grants: number[] = [];
  await Promise.all(
    Array.from({ length: 7 }, async () => {
      const release = await limiter.acquire();
      grants.push(performance.now() - start);
      release();
    }),
  );
  assert.equal(grants.filter((t) => t < 50).length, 3);
  assert.ok(maxInWindow(grants, 200) <= 3);
  assert.ok(grants[6]! >= 400, `7th grant at ${grants[6]} ms`);
});

test('an aborted waiter leaves the queue without taking a slot', async () => {
  const limiter = new SlidingWindowLimiter({ requests: 1, perSeconds: 0.1 });
  const release = await limiter.acquire();
  const controller = new AbortController();
  const waiting = limiter.acquire(controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  release();
  const t = performance.now();
  (await limiter.acquire())();
  assert.ok(performance.now() - t >= 90);
});
