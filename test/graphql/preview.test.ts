import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { rows } from '../../src/db/client';
import { startApiServer, sendJson } from '../helpers/api-server';
import { createPgliteDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';

let gw: TestGateway;
let api: Awaited<ReturnType<typeof startApiServer>>;
before(async () => {
  api = await startApiServer((req, res, url) => {
    if (req.headers['x-api-key'] !== 'preview-secret-key') return sendJson(res, 401, { error: 'bad key' });
    if (url.pathname === '/broken') return sendJson(res, 404, { error: 'no such list' });
    return sendJson(res, 200, { items: [{ id: 1, price: '9.50', when: 1700000000 }, { id: 2, price: 'n/a', when: 1700000100 }, { price: '1' }] });
  });
  gw = await startGateway(createPgliteDatabase().config, { workers: false });
});
after(async () => {
  await gw?.stop();
  await api?.close();
});

test('previewCollection fetches and maps the first page, masks secrets, stores nothing', async () => {
  const source = (await gw.ok(`mutation($i: SourceInput!) { createSource(input: $i) { id } }`, {
    i: { name: 'shop', baseUrl: api.baseUrl, auth: { type: 'API_KEY', apiKeyName: 'X-Api-Key', apiKey: 'preview-secret-key' } },
  })).createSource;
  const collection = (await gw.ok(`mutation($i: CollectionInput!) { createCollection(input: $i) { id } }`, {
    i: { sourceId: source.id, name: 'products', path: '/products', dataPath: '$.items' },
  })).createCollection;
  await gw.ok(`mutation($id: ID!, $f: [MappedFieldInput!]!) { setMapping(collectionId: $id, fields: $f) { fields { name } } }`, {
    id: collection.id,
    f: [
      { name: 'price', path: '$.price', type: 'NUMBER' },
      { name: 'when', path: '$.when', type: 'DATETIME', format: 'UNIX_SECONDS' },
    ],
  });
  const { previewCollection: preview } = await gw.ok(`query($id: ID!) { previewCollection(id: $id) { request { method url headers } raw records { externalId data error } } }`, { id: collection.id });
  assert.equal(preview.request.method, 'GET');
  assert.equal(preview.request.url, `${api.baseUrl}/products`);
  assert.equal(preview.request.headers['x-api-key'] ?? preview.request.headers['X-Api-Key'], '***');
  assert.ok(!JSON.stringify(preview).includes('preview-secret-key'));
  assert.equal(preview.raw.length, 3);
  assert.deepEqual(preview.records[0], { externalId: '1', data: { price: 9.5, when: '2023-11-14T22:13:20.000Z' }, error: null });
  assert.equal(preview.records[1].data, null);
  assert.match(preview.records[1].error, /price/);
  assert.equal(preview.records[2].externalId, null);
  const [count] = await rows<{ n: number }>(gw.rt.db, sql`select count(*)::int as n from records`);
  assert.equal(count!.n, 0);
});

test('previewCollection of a failing endpoint answers UPSTREAM_ERROR with the status', async () => {
  const source = (await gw.ok(`mutation($i: SourceInput!) { createSource(input: $i) { id } }`, {
    i: { name: 'shop2', baseUrl: api.baseUrl, auth: { type: 'API_KEY', apiKeyName: 'X-Api-Key', apiKey: 'preview-secret-key' } },
  })).createSource;
  const collection = (await gw.ok(`mutation($i: CollectionInput!) { createCollection(input: $i) { id } }`, { i: { sourceId: source.id, name: 'broken', path: '/broken' } })).createCollection;
  const result = await gw.gql(`query($id: ID!) { previewCollection(id: $id) { raw } }`, { id: collection.id });
  assert.equal(result.errors?.[0]?.extensions?.code, 'UPSTREAM_ERROR');
  assert.match(result.errors![0]!.message, /404/);
  assert.ok(!result.errors![0]!.message.includes('preview-secret-key'));
});
