/** previewCollection: the first page, mapped, nothing stored, secrets masked. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeSourceClients, previewCollection } from '../../src/connectors/index';
import { fakeRecords, sendJson, startApiServer } from '../helpers/api-server';
import { makeCollection, makeSource } from './fixtures';

after(() => closeSourceClients());

test('preview maps the first page and masks every secret it reports', async () => {
  const records: unknown[] = fakeRecords(30);
  records[1] = { id: 'bad', amount: 'twelve' };
  records[2] = { amount: '1.00' };
  let pages = 0;
  const api = await startApiServer((req, res, url) => {
    pages++;
    assert.equal(req.headers.authorization, 'Bearer tok-SECRET-1');
    assert.equal(req.headers['x-api-key'], 'hdr-SECRET-2');
    const offset = Number(url.searchParams.get('offset'));
    sendJson(res, 200, records.slice(offset, offset + 10));
  });
  try {
    const source = makeSource({
      baseUrl: api.baseUrl,
      auth: { type: 'BEARER', token: 'tok-SECRET-1' },
      headers: { 'X-Api-Key': 'hdr-SECRET-2' },
    });
    const collection = makeCollection({
      path: '/items',
      pagination: { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit', pageSize: 10 },
      mapping: [{ name: 'amount', path: '$.amount', type: 'NUMBER' }],
    });
    const preview = await previewCollection(source, collection, 3);
    assert.equal(pages, 1);
    assert.equal(preview.request.method, 'GET');
    assert.equal(preview.request.url, `${api.baseUrl}/items?offset=0&limit=10`);
    assert.equal(preview.request.headers.authorization, 'Bearer ***');
    // A source header is not marked secret, but its name says it holds one.
    assert.equal(preview.request.headers['x-api-key'], '***');
    assert.equal(preview.raw.length, 3);
    assert.deepEqual(preview.records, [
      { externalId: 'rec_000001', data: { amount: Number(fakeRecords(1)[0]!.amount) }, error: null },
      { externalId: 'bad', data: null, error: 'field "amount": cannot read "twelve" as NUMBER' },
      { externalId: null, data: { amount: 1 }, error: null },
    ]);
    assert.ok(!/SECRET/.test(JSON.stringify(preview.request)));
  } finally {
    await api.close();
  }
});

test('preview masks an API key in the query and Basic credentials', async () => {
  const api = await startApiServer((_req, res) => sendJson(res, 200, { results: [{ id: 1 }] }));
  try {
    const query = makeSource({ baseUrl: api.baseUrl, auth: { type: 'API_KEY', location: 'QUERY', name: 'key', key: 'a/b c' } });
    const collection = makeCollection({ path: '/x', dataPath: '$.results' });
    const p1 = await previewCollection(query, collection, 10);
    assert.equal(p1.request.url, `${api.baseUrl}/x?key=***`);
    assert.deepEqual(p1.records, [{ externalId: '1', data: { id: 1 }, error: null }]);

    const basic = makeSource({ baseUrl: api.baseUrl, auth: { type: 'BASIC', username: 'u', password: 'pw-secret' } });
    const p2 = await previewCollection(basic, collection, 10);
    assert.equal(p2.request.headers.authorization, 'Basic ***');

    const header = makeSource({ baseUrl: api.baseUrl, auth: { type: 'API_KEY', location: 'HEADER', name: 'X-Key', key: 'k-secret' } });
    const p3 = await previewCollection(header, collection, 10);
    assert.equal(p3.request.headers['x-key'], '***');
  } finally {
    await api.close();
  }
});
