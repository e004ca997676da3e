/**
 * Whole imports against local servers that page, authenticate and answer the
 * way well-known APIs do. Each must yield every record exactly once, mapped.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { closeSourceClients } from '../../src/connectors/index';
import type { MappedField } from '../../src/domain';
import { fakeRecords, readBody, sendJson, startApiServer } from '../helpers/api-server';
import { assertExactly, drain, makeCollection, makeSource } from './fixtures';

after(() => closeSourceClients());

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

describe('API conventions', () => {
  test('Stripe-style list: starting_after = last id, has_more, Bearer key', async () => {
    const all = fakeRecords(2500, 'cus');
    const api = await startApiServer((req, res, url) => {
      if (req.headers.authorization !== 'Bearer sk_test_123') return sendJson(res, 401, { error: { type: 'invalid_request_error' } });
      const limit = Number(url.searchParams.get('limit') ?? 10);
      const after = url.searchParams.get('starting_after');
      const start = after ? all.findIndex((r) => r.id === after) + 1 : 0;
      const data = all.slice(start, start + limit).map((r) => ({ object: 'customer', ...r }));
      sendJson(res, 200, { object: 'list', url: '/v1/customers', has_more: start + limit < all.length, data });
    });
    try {
      const mapping: MappedField[] = [
        { name: 'name', path: '$.name', type: 'TEXT' },
        { name: 'amount', path: '$.amount', type: 'NUMBER' },
        { name: 'active', path: '$.active', type: 'BOOLEAN' },
        { name: 'created', path: '$.created', type: 'DATETIME', format: 'UNIX_SECONDS' },
        { name: 'updated', path: '$.updated', type: 'DATETIME' },
        { name: 'day', path: '$.created', type: 'DATE', format: 'UNIX_SECONDS' },
      ];
      const source = makeSource({ baseUrl: api.baseUrl, auth: { type: 'BEARER', token: 'sk_test_123' } });
      const collection = makeCollection({
        path: '/v1/customers',
        dataPath: '$.data',
        pagination: {
          type: 'CURSOR', cursorParam: 'starting_after', cursorPath: '$.id', cursorFromLastRecord: true,
          hasMorePath: '$.has_more', limitParam: 'limit', pageSize: 100,
        },
        mapping,
      });
      const got = await drain(source, collection);
      assertExactly(got.ids, all.map((r) => r.id));
      assert.equal(got.pages.length, 25);
      assert.equal(api.requests, 25);
      const r7 = all[6]!;
      assert.deepEqual(got.data[6], {
        name: r7.name,
        amount: Number(r7.amount),
        active: r7.active,
        created: iso(r7.created),
        updated: iso(r7.created + 90),
        day: iso(r7.created).slice(0, 10),
      });
    } finally {
      await api.close();
    }
  });

  test('GitHub-style: Link header, per_page, required X-GitHub-Api-Version header', async () => {
    const all = fakeRecords(2300).map((r) => ({ id: 1_000_000 + r.seq, number: r.seq, title: r.name, created_at: iso(r.created) }));
    const api = await startApiServer((req, res, url) => {
      if (req.headers['x-github-api-version'] !== '2022-11-28') return sendJson(res, 400, { message: 'missing API version' });
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const last = Math.ceil(all.length / perPage);
      const link = (p: number) => `${url.origin}/repositories/42/issues?per_page=${perPage}&page=${p}`;
      const links = [`<${link(1)}>; rel="first"`, `<${link(last)}>; rel="last"`];
      if (page < last) links.unshift(`<${link(page + 1)}>; rel="next"`);
      if (page > 1) links.push(`<${link(page - 1)}>; rel="prev"`);
      sendJson(res, 200, all.slice((page - 1) * perPage, page * perPage), { link: links.join(', ') });
    });
    try {
      const source = makeSource({ baseUrl: api.baseUrl, headers: { 'X-GitHub-Api-Version': '2022-11-28' } });
      const collection = makeCollection({
        path: '/repos/octo/hello/issues',
        query: { state: 'all' },
        pagination: { type: 'LINK_HEADER', limitParam: 'per_page', pageSize: 100 },
        mapping: [
          { name: 'number', path: '$.number', type: 'NUMBER' },
          { name: 'title', path: '$.title', type: 'TEXT' },
          { name: 'createdAt', path: '$.created_at', type: 'DATETIME' },
        ],
      });
      const got = await drain(source, collection);
      assertExactly(got.ids, all.map((r) => String(r.id)));
      assert.equal(got.pages.length, 23);
      assert.deepEqual(got.data[0], { number: 1, title: 'Record 1', createdAt: all[0]!.created_at });

      const without = makeSource({ baseUrl: api.baseUrl });
      await assert.rejects(drain(without, collection), /answered 400.*missing API version/);
    } finally {
      await api.close();
    }
  });

  test('HubSpot-style: paging.next.after cursor, API key in the hapikey query parameter', async () => {
    const all = fakeRecords(2100).map((r) => ({
      id: String(500 + r.seq),
      properties: { email: `user${r.seq}@example.com`, createdate: iso(r.created), hs_lead: r.active ? 'true' : 'false' },
      archived: false,
    }));
    const api = await startApiServer((_req, res, url) => {
      if (url.searchParams.get('hapikey') !== 'hub-secret-key') return sendJson(res, 401, { status: 'error', message: 'bad key' });
      const limit = Number(url.searchParams.get('limit') ?? 10);
      const after = Number(url.searchParams.get('after') ?? 0);
      const results = all.slice(after, after + limit);
      const body: Record<string, unknown> = { results };
      if (after + limit < all.length) {
        body.paging = { next: { after: String(after + limit), link: `${url.origin}/crm/v3/objects/contacts?after=${after + limit}` } };
      }
      sendJson(res, 200, body);
    });
    try {
      const source = makeSource({
        baseUrl: api.baseUrl,
        auth: { type: 'API_KEY', location: 'QUERY', name: 'hapikey', key: 'hub-secret-key' },
      });
      const collection = makeCollection({
        path: '/crm/v3/objects/contacts',
        query: { properties: ['email', 'createdate'] },
        dataPath: '$.results',
        pagination: {
          type: 'CURSOR', cursorParam: 'after', cursorPath: '$.paging.next.after', cursorFromLastRecord: false,
          limitParam: 'limit', pageSize: 100,
        },
        mapping: [
          { name: 'email', path: '$.properties.email', type: 'TEXT' },
          { name: 'created', path: '$.properties.createdate', type: 'DATE' },
          { name: 'lead', path: '$.properties.hs_lead', type: 'BOOLEAN' },
        ],
      });
      const got = await drain(source, collection);
      assertExactly(got.ids, all.map((r) => r.id));
      assert.equal(got.pages.length, 21);
      for (const page of got.pages) {
        assert.ok(!page.url.includes('hub-secret-key'), page.url);
        assert.match(page.url, /hapikey=\*\*\*/);
        assert.match(page.url, /properties=email&properties=createdate/);
      }
      assert.equal(JSON.stringify(got.checkpoints).includes('hub-secret-key'), false);
    } finally {
      await api.close();
    }
  });

  test('Salesforce-style: OAuth2 client credentials with short-lived tokens, relative nextRecordsUrl', async () => {
    const all = fakeRecords(5000).map((r) => ({
      attributes: { type: 'Account', url: `/services/data/v59.0/sobjects/Account/001${r.seq}` },
      Id: `001${String(r.seq).padStart(12, '0')}`,
      Name: r.name,
      CreatedDate: iso(r.created).replace('Z', '+0000'),
    }));
    const tokens = new Map<string, number>();
    let tokenCalls = 0;
    const batch = 1000;
    const api = await startApiServer(async (req, res, url) => {
      if (url.pathname === '/services/oauth2/token') {
        tokenCalls++;
        const form = new URLSearchParams(await readBody(req));
        if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== 'cid' || form.get('client_secret') !== 's3cr3t') {
          return sendJson(res, 400, { error: 'invalid_grant' });
        }
        const token = `00D!tok${tokenCalls}`;
        tokens.set(token, Date.now() + 1000);
        return sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 1, instance_url: url.origin });
      }
      const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if ((tokens.get(token) ?? 0) < Date.now()) return sendJson(res, 401, [{ errorCode: 'INVALID_SESSION_ID' }]);
      // Sessions are slow to serve: the token runs out during the import.
      await new Promise((r) => setTimeout(r, 350));
      let start = 0;
      if (url.pathname === '/services/data/v59.0/query') {
        if (!url.searchParams.get('q')?.startsWith('SELECT')) return sendJson(res, 400, [{ errorCode: 'MALFORMED_QUERY' }]);
      } else {
        const m = /^\/services\/data\/v59\.0\/query\/01gX-(\d+)$/.exec(url.pathname);
        if (!m) return sendJson(res, 404, [{ errorCode: 'NOT_FOUND' }]);
        start = Number(m[1]);
      }
      const records = all.slice(start, start + batch);
      const done = start + batch >= all.length;
      sendJson(res, 200, {
        totalSize: all.length,
        done,
        ...(done ? {} : { nextRecordsUrl: `/services/data/v59.0/query/01gX-${start + batch}` }),
        records,
      });
    });
    try {
      const source = makeSource({
        baseUrl: api.baseUrl,
        auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl: '/services/oauth2/token', clientId: 'cid', clientSecret: 's3cr3t' },
      });
      const collection = makeCollection({
        path: '/services/data/v59.0/query',
        query: { q: 'SELECT Id, Name, CreatedDate FROM Account' },
        dataPath: '$.records',
        idPath: '$.Id',
        pagination: { type: 'NEXT_URL', nextUrlPath: '$.nextRecordsUrl' },
        mapping: [
          { name: 'name', path: '$.Name', type: 'TEXT' },
          { name: 'createdAt', path: '$.CreatedDate', type: 'DATETIME' },
          { name: 'type', path: "$.attributes['type']", type: 'TEXT' },
        ],
      });
      const counters = { requests: 0, retries: 0 };
      const got = await drain(source, collection, { counters });
      assertExactly(got.ids, all.map((r) => r.Id));
      assert.equal(got.pages.length, 5);
      assert.deepEqual(got.data[4999], { name: 'Record 5000', createdAt: iso(fakeRecords(5000)[4999]!.created), type: 'Account' });
      // 5 pages of 350 ms with 1 s tokens renewed 100 ms early: the 4th page
      // starts at ~1.05 s on a second token, fetched before any 401.
      assert.equal(tokenCalls, 2);
      assert.deepEqual(counters, { requests: 5, retries: 0 });
    } finally {
      await api.close();
    }
  });

  test('bare arrays with offset/limit and Basic auth (UTF-8, any characters), baseUrl with a path', async () => {
    const all = fakeRecords(2050);
    const password = 'p@ss:wörd 🔑 "x"';
    const expected = `Basic ${Buffer.from(`ädmin:${password}`, 'utf8').toString('base64')}`;
    const api = await startApiServer((req, res, url) => {
      if (req.headers.authorization !== expected) return sendJson(res, 401, { error: 'unauthorized' });
      if (url.pathname !== '/api/v2/items') return sendJson(res, 404, { error: url.pathname });
      const offset = Number(url.searchParams.get('offset'));
      const limit = Number(url.searchParams.get('limit'));
      sendJson(res, 200, all.slice(offset, offset + limit));
    });
    try {
      const source = makeSource({ baseUrl: `${api.baseUrl}/api/`, auth: { type: 'BASIC', username: 'ädmin', password } });
      const collection = makeCollection({
        path: '/v2/items',
        pagination: { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit', pageSize: 250 },
        mapping: [{ name: 'tags', path: '$.tags', type: 'JSON' }, { name: 'seq', path: '$.seq', type: 'TEXT' }],
      });
      const got = await drain(source, collection);
      assertExactly(got.ids, all.map((r) => r.id));
      assert.equal(got.pages.length, 9); // 8 full pages + a short one
      assert.deepEqual(got.data[1], { tags: ['even'], seq: '2' });
    } finally {
      await api.close();
    }
  });

  test('page/per_page with the total page count in the body stops at the last page', async () => {
    const all = fakeRecords(3000);
    const api = await startApiServer((_req, res, url) => {
      const page = Number(url.searchParams.get('page'));
      const perPage = Number(url.searchParams.get('per_page'));
      sendJson(res, 200, {
        items: all.slice((page - 1) * perPage, page * perPage),
        meta: { page, per_page: perPage, total_pages: Math.ceil(all.length / perPage) },
      });
    });
    try {
      const source = makeSource({ baseUrl: api.baseUrl });
      const collection = makeCollection({
        path: '/items',
        dataPath: '$.items',
        pagination: { type: 'PAGE', pageParam: 'page', startPage: 1, limitParam: 'per_page', pageSize: 150, totalPagesPath: '$.meta.total_pages' },
      });
      const got = await drain(source, collection);
      assertExactly(got.ids, all.map((r) => r.id));
      assert.equal(api.requests, 20, 'no request past the last page');
      assert.deepEqual(got.data[0], all[0]);
    } finally {
      await api.close();
    }
  });
});
