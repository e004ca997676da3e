/**
 * OAuth2 client credentials: tokens renewed when the API stops accepting
 * them, shared between concurrent runs, and the Basic fallback for token
 * endpoints that refuse credentials in the body.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, test } from 'node:test';
import { closeSourceClients } from '../../src/connectors/index';
import { ConnectorError } from '../../src/connectors/errors';
import type { CollectionConfig } from '../../src/domain';
import { fakeRecords, readBody, sendJson, startApiServer, type ApiServer } from '../helpers/api-server';
import { assertExactly, drain, makeCollection, makeSource } from './fixtures';

after(() => closeSourceClients());

const SECRET = 's e:c/r+t%';
const all = fakeRecords(100);

interface TokenApi {
  api: ApiServer;
  tokenCalls: () => number;
}

/** An API whose tokens each serve `usesPerToken` requests, then get 401. */
async function tokenApi(opts: { usesPerToken: number; basicOnly?: boolean; tokenDelayMs?: number }): Promise<TokenApi> {
  let calls = 0;
  const uses = new Map<string, number>();
  const api = await startApiServer(async (req, res, url) => {
    if (url.pathname === '/oauth/token') {
      calls++;
      const form = new URLSearchParams(await readBody(req));
      if (!clientAuthenticated(req, form, opts.basicOnly ?? false)) return sendJson(res, 401, { error: 'invalid_client' });
      if (form.get('grant_type') !== 'client_credentials' || form.get('scope') !== 'read:all') {
        return sendJson(res, 400, { error: 'invalid_request' });
      }
      await new Promise((r) => setTimeout(r, opts.tokenDelayMs ?? 0));
      const token = `tok-${calls}`;
      uses.set(token, 0);
      return sendJson(res, 200, { access_token: token, token_type: 'bearer', expires_in: 3600 });
    }
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const used = uses.get(token);
    if (used === undefined || used >= opts.usesPerToken) return sendJson(res, 401, { error: 'invalid_token' });
    uses.set(token, used + 1);
    const offset = Number(url.searchParams.get('offset'));
    sendJson(res, 200, all.slice(offset, offset + 10));
  });
  return { api, tokenCalls: () => calls };
}

function clientAuthenticated(req: IncomingMessage, form: URLSearchParams, basicOnly: boolean): boolean {
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':').map(formDecode);
    return id === 'client' && secret === SECRET;
  }
  return !basicOnly && form.get('client_id') === 'client' && form.get('client_secret') === SECRET;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function setup(baseUrl: string) {
  const source = makeSource({
    baseUrl: `${baseUrl}/`,
    auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl: 'oauth/token', clientId: 'client', clientSecret: SECRET, scope: 'read:all' },
  });
  const collection: CollectionConfig = makeCollection({
    path: '/items',
    pagination: { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit', pageSize: 10 },
  });
  return { source, collection };
}

test('a token the API stops accepting mid-import is renewed and the import goes on', async () => {
  const { api, tokenCalls } = await tokenApi({ usesPerToken: 4 });
  try {
    const { source, collection } = setup(api.baseUrl);
    const counters = { requests: 0, retries: 0 };
    const got = await drain(source, collection, { counters });
    assertExactly(got.ids, all.map((r) => r.id));
    // 11 pages (the last one empty), 4 per token: tokens 1, 2 and 3, two 401s retried.
    assert.equal(got.pages.length, 11);
    assert.equal(tokenCalls(), 3);
    assert.deepEqual(counters, { requests: 13, retries: 2 });
  } finally {
    await api.close();
  }
});

test('concurrent runs of one source share one token fetch', async () => {
  const { api, tokenCalls } = await tokenApi({ usesPerToken: 1000, tokenDelayMs: 100 });
  try {
    const { source, collection } = setup(api.baseUrl);
    const runs = await Promise.all([drain(source, collection), drain(source, collection), drain(source, collection)]);
    for (const run of runs) assertExactly(run.ids, all.map((r) => r.id));
    assert.equal(tokenCalls(), 1);
  } finally {
    await api.close();
  }
});

test('a token endpoint that answers 401 to body credentials gets them in a Basic header, remembered', async () => {
  const { api, tokenCalls } = await tokenApi({ usesPerToken: 6, basicOnly: true });
  try {
    const { source, collection } = setup(api.baseUrl);
    const got = await drain(source, collection);
    assertExactly(got.ids, all.map((r) => r.id));
    // First token: body form refused, then Basic; the renewal goes straight to Basic.
    assert.equal(tokenCalls(), 3);
  } finally {
    await api.close();
  }
});

test('an API that rejects even a fresh token fails after one renewal, without secrets in the message', async () => {
  const { api, tokenCalls } = await tokenApi({ usesPerToken: 0 });
  try {
    const { source, collection } = setup(api.baseUrl);
    await assert.rejects(drain(source, collection), (err: unknown) => {
      assert.ok(err instanceof ConnectorError);
      assert.equal(err.details.status, 401);
      assert.match(err.message, /answered 401/);
      assert.ok(!err.message.includes('tok-') && !err.message.includes(SECRET), err.message);
      return true;
    });
    assert.equal(tokenCalls(), 2);
  } finally {
    await api.close();
  }
});

test('a token endpoint error names the endpoint and status', async () => {
  const api = await startApiServer((_req, res) => sendJson(res, 400, { error: 'invalid_scope' }));
  try {
    const { source, collection } = setup(api.baseUrl);
    await assert.rejects(drain(source, collection), /POST http:\/\/127\.0\.0\.1:\d+\/oauth\/token answered 400: \{"error":"invalid_scope"\}/);
    assert.equal(api.requests, 1);
  } finally {
    await api.close();
  }
});
