import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { sharedEventExecution } from '../../src/graphql/shared-events';

/**
 * The plugin on a schema of its own, where a resolver counts its calls: a
 * broadcaster hands the same event object to every subscriber, as the event
 * feed does, and each subscriber reads over SSE from a real HTTP server.
 */
interface Tick {
  n: number;
}

let calls = 0;
const listeners = new Set<(tick: Tick) => void>();
/** Each subscriber's stream; `fail` makes the next pull throw, as a dropped slow consumer does. */
let fail: Error | null = null;

function ticks(): AsyncIterableIterator<Tick> {
  const queue: Tick[] = [];
  let wake: (() => void) | null = null;
  const listener = (tick: Tick) => {
    queue.push(tick);
    wake?.();
  };
  listeners.add(listener);
  const it: AsyncIterableIterator<Tick> = {
    async next() {
      while (queue.length === 0) {
        if (fail) throw fail;
        await new Promise<void>((r) => (wake = r));
      }
      return { done: false, value: queue.shift()! };
    },
    async return() {
      listeners.delete(listener);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

const TickType = new GraphQLObjectType<Tick>({
  name: 'Tick',
  fields: {
    n: { type: new GraphQLNonNull(GraphQLInt) },
    label: {
      type: new GraphQLNonNull(GraphQLString),
      args: { prefix: { type: GraphQLString } },
      resolve: (tick, { prefix }) => {
        calls++;
        return `${prefix ?? 'tick'} ${tick.n}`;
      },
    },
  },
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt, resolve: () => 1 } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: { tick: { type: TickType, subscribe: () => ticks(), resolve: (tick: Tick) => tick } },
  }),
});

interface SseReader {
  results: any[];
  waitFor(n: number): Promise<any[]>;
  close(): void;
}

async function subscribe(url: string, query: string, variables: Record<string, unknown> = {}): Promise<SseReader> {
  const controller = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  const results: any[] = [];
  let wake = null as (() => void) | null;
  void (async () => {
    let buffered = '';
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffered += value;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (frame.startsWith('event: next') && data) results.push(JSON.parse(data.slice(6)));
          wake?.();
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    results,
    async waitFor(n) {
      const deadline = Date.now() + 5_000;
      while (results.length < n) {
        assert.ok(Date.now() < deadline, `only ${results.length}/${n} results`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return results;
    },
    close: () => controller.abort(),
  };
}

async function publish(tick: Tick): Promise<void> {
  for (const l of listeners) l(tick);
}

describe('subscription events executed once per operation', () => {
  let server: Server;
  let url: string;
  before(async () => {
    const yoga = createYoga({ schema, plugins: [sharedEventExecution()], logging: false, maskedErrors: false });
    server = createServer(yoga);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      assert.ok(Date.now() < deadline, 'timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  test('subscribers of one operation share one execution per event; other selections and variables get their own', async () => {
    const same = await Promise.all(Array.from({ length: 5 }, () => subscribe(url, 'subscription { tick { n label } }')));
    const prefixed = await subscribe(url, 'subscription($p: String) { tick { label(prefix: $p) } }', { p: 'T' });
    const other = await subscribe(url, 'subscription { tick { n } }');
    await until(() => listeners.size === 7);
    calls = 0;
    await publish({ n: 1 });
    await publish({ n: 2 });
    for (const s of same) assert.deepEqual(await s.waitFor(2), [{ data: { tick: { n: 1, label: 'tick 1' } } }, { data: { tick: { n: 2, label: 'tick 2' } } }]);
    assert.deepEqual(await prefixed.waitFor(2), [{ data: { tick: { label: 'T 1' } } }, { data: { tick: { label: 'T 2' } } }]);
    assert.deepEqual(await other.waitFor(2), [{ data: { tick: { n: 1 } } }, { data: { tick: { n: 2 } } }]);
    // One call per event for the five alike, one for the prefixed one: not seven.
    assert.equal(calls, 4);

    // Equal objects that are not the same object (a subscriber's own replay) are executed apiece.
    calls = 0;
    for (const l of listeners) l({ n: 3 });
    for (const s of same) await s.waitFor(3);
    await prefixed.waitFor(3);
    assert.equal(calls, 6);
    for (const s of [...same, prefixed, other]) s.close();
    await until(() => listeners.size === 0);
  });

  test('an error the event stream throws reaches the subscriber as a GraphQL error', async () => {
    const s = await subscribe(url, 'subscription { tick { n } }');
    await until(() => listeners.size === 1);
    fail = new Error('fell behind');
    try {
      for (const l of listeners) l({ n: 1 });
      const results = await s.waitFor(2);
      assert.deepEqual(results[0], { data: { tick: { n: 1 } } });
      assert.equal(results[1].errors?.[0]?.message, 'fell behind');
      // The broken stream was closed, not left subscribed.
      await until(() => listeners.size === 0);
    } finally {
      fail = null;
      s.close();
    }
  });
});
