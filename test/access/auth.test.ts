import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadAdminToken } from '../../src/access/admin-token';
import { rows } from '../../src/db/client';
import { createPgliteDatabase, type TestDatabase } from '../helpers/db';
import { ADMIN_TOKEN, startGateway, type TestGateway } from '../helpers/gateway';

async function countSources(gw: TestGateway) {
  const [row] = await rows<{ n: number }>(gw.rt.db, sql`select count(*)::int as n from sources`);
  return row!.n;
}

/** Opens a graphql-ws subscription and resolves with how it ended: the first event, or the close/error. */
function subscribeOnce(url: string, connectionParams: Record<string, unknown> | undefined) {
  return new Promise<{ closeCode?: number; error?: unknown; value?: unknown }>((resolve) => {
    const client = createClient({
      url: url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
      on: { closed: (event) => resolve({ closeCode: (event as { code: number }).code }) },
    });
    client.subscribe(
      { query: 'subscription { recordEvents { id } }' },
      {
        next: (value) => {
          resolve({ value });
          void client.dispose();
        },
        error: (error) => resolve({ error }),
        complete: () => {},
      },
    );
    setTimeout(() => {
      resolve({});
      void client.dispose();
    }, 1500).unref();
  });
}

describe('admin token', () => {
  let db: TestDatabase;
  let gw: TestGateway;
  before(async () => {
    db = createPgliteDatabase();
    gw = await startGateway(db.config, { workers: false });
  });
  after(async () => gw?.stop());

  test('no token or a wrong token: UNAUTHENTICATED with 401, nothing read or written', async () => {
    const before = await countSources(gw);
    for (const token of [null, 'wrong-token-wrong-token', `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1)]) {
      const res = await fetch(gw.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: 'mutation { createSource(input: { name: "x", baseUrl: "https://x.example.com" }) { id } }' }),
      });
      assert.equal(res.status, 401);
      const body = (await res.json()) as { data?: unknown; errors: Array<{ extensions: { code: string } }> };
      assert.equal(body.errors[0]!.extensions.code, 'UNAUTHENTICATED');
      assert.equal(body.data, undefined);
    }
    for (const query of ['{ sources { id } }', '{ __schema { types { name } } }']) {
      const result = await gw.gql(query, undefined, null);
      assert.equal(result.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', query);
      assert.equal(result.data, undefined);
    }
    // GET queries and a token in another scheme are refused too.
    const get = await fetch(`${gw.url}?query=${encodeURIComponent('{ sources { id } }')}`, { headers: { accept: 'application/json', authorization: `Basic ${ADMIN_TOKEN}` } });
    assert.equal(get.status, 401);
    assert.equal(await countSources(gw), before, 'nothing was written');
  });

  test('the right token is accepted over HTTP', async () => {
    const data = await gw.ok('{ sources { id } }');
    assert.ok(Array.isArray(data.sources));
  });

  test('graphql-ws: refused without a valid token in connection_init, served with it', async () => {
    const none = await subscribeOnce(gw.url, undefined);
    assert.equal(none.closeCode, 4403);
    const wrong = await subscribeOnce(gw.url, { authorization: 'Bearer nope' });
    assert.equal(wrong.closeCode, 4403);
    const right = await subscribeOnce(gw.url, { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(right.closeCode, undefined, 'the authorised socket stays open');
    assert.equal(right.error, undefined);
  });

  test('without TRIBUTARY_ADMIN_TOKEN a token is generated once, kept as a hash, and accepted', async () => {
    const first = await loadAdminToken(gw.rt.db, null);
    assert.ok(first.generated && first.generated.length >= 32);
    assert.ok(first.verify(`Bearer ${first.generated}`));
    assert.ok(!first.verify('Bearer something-else'));
    const second = await loadAdminToken(gw.rt.db, null);
    assert.equal(second.generated, null, 'a later start does not make a new one');
    assert.ok(second.verify(`Bearer ${first.generated}`), 'and accepts the kept one');
    const stored = await rows<{ value: string }>(gw.rt.db, sql`select value from settings`);
    assert.ok(!stored.some((r) => r.value.includes(first.generated!)), 'the token itself is not stored');
  });
});
