import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { rows } from '../../src/db/client';
import { DRIVERS, type TestDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';

const SOURCE_FIELDS = `id name baseUrl authType headerNames timeoutMs retry { maxRetries baseDelayMs maxDelayMs } rateLimit { requests perSeconds } createdAt updatedAt`;
const COLLECTION_FIELDS = `id name method path pathParams query dataPath idPath schedule source { id name }
  pagination { type pageSize limitParam offsetParam cursorParam cursorPath cursorFromLastRecord hasMorePath }
  incremental { sinceParam cursorPath format lookbackSeconds } mapping { fields { name path type format } } recordCount lastRun { id } runs { id }`;

const CREATE_SOURCE = `mutation($input: SourceInput!) { createSource(input: $input) { ${SOURCE_FIELDS} } }`;
const CREATE_COLLECTION = `mutation($input: CollectionInput!) { createCollection(input: $input) { ${COLLECTION_FIELDS} } }`;

async function tableCounts(gw: TestGateway) {
  const [row] = await rows<{ sources: number; collections: number; webhooks: number }>(
    gw.rt.db,
    sql`select (select count(*) from sources)::int as sources, (select count(*) from collections)::int as collections, (select count(*) from webhooks)::int as webhooks`,
  );
  return row!;
}

for (const driver of DRIVERS) {
  describe(`admin API on ${driver.name}`, () => {
    let db: TestDatabase;
    let gw: TestGateway;
    before(async () => {
      db = await driver.create();
      gw = await startGateway(db.config, { workers: false });
    });
    after(async () => {
      await gw?.stop();
      await db?.drop();
    });

    test('sources round-trip: create, read, list, update, delete', async () => {
      const created = (
        await gw.ok(CREATE_SOURCE, {
          input: {
            name: 'CRM',
            baseUrl: 'https://api.example.com/v2',
            auth: { type: 'API_KEY', apiKeyLocation: 'QUERY', apiKeyName: 'hapikey', apiKey: 'k-123' },
            headers: { 'X-Org': '42' },
            timeoutMs: 5000,
            retry: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000 },
            rateLimit: { requests: 10, perSeconds: 1 },
          },
        })
      ).createSource;
      assert.equal(created.name, 'CRM');
      assert.equal(created.baseUrl, 'https://api.example.com/v2');
      assert.equal(created.authType, 'API_KEY');
      assert.deepEqual(created.headerNames, ['X-Org']);
      assert.equal(created.timeoutMs, 5000);
      assert.deepEqual(created.retry, { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000 });
      assert.deepEqual(created.rateLimit, { requests: 10, perSeconds: 1 });

      const read = await gw.ok(`query($id: ID!) { source(id: $id) { ${SOURCE_FIELDS} } node(id: $id) { id ... on Source { name } } sources { id } }`, { id: created.id });
      assert.deepEqual(read.source, created);
      assert.deepEqual(read.node, { id: created.id, name: 'CRM' });
      assert.ok(read.sources.some((s: { id: string }) => s.id === created.id));

      // Update without auth keeps the stored credentials; null resets the rate limit to none.
      const updated = (
        await gw.ok(`mutation($id: ID!, $input: SourceInput!) { updateSource(id: $id, input: $input) { ${SOURCE_FIELDS} } }`, {
          id: created.id,
          input: { name: 'CRM EU', baseUrl: 'https://eu.example.com/v2', rateLimit: null },
        })
      ).updateSource;
      assert.equal(updated.name, 'CRM EU');
      assert.equal(updated.authType, 'API_KEY');
      assert.equal(updated.rateLimit, null);
      assert.equal(updated.timeoutMs, 5000, 'an omitted field keeps its value');
      const config = (await import('../../src/catalog/sources')).sourceConfig(gw.rt, await (await import('../../src/catalog/sources')).getSource(gw.rt, Buffer.from(created.id, 'base64').toString().split(':')[1]!));
      assert.deepEqual(config.auth, { type: 'API_KEY', location: 'QUERY', name: 'hapikey', key: 'k-123' });

      const deleted = await gw.ok(`mutation($id: ID!) { deleteSource(id: $id) }`, { id: created.id });
      assert.equal(deleted.deleteSource, created.id);
      const gone = await gw.gql(`query($id: ID!) { source(id: $id) { id } }`, { id: created.id });
      assert.equal(gone.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    });

    test('collections and mappings round-trip', async () => {
      const source = (await gw.ok(CREATE_SOURCE, { input: { name: 'Billing', baseUrl: 'https://billing.example.com' } })).createSource;
      const input = {
        sourceId: source.id,
        name: 'invoices',
        method: 'get',
        path: '/customers/{customer}/invoices',
        pathParams: { customer: 'c_1' },
        query: { status: 'open', expand: ['lines', 'tax'], limit: 50 },
        dataPath: '$.data',
        idPath: '$.id',
        pagination: { type: 'CURSOR', cursorParam: 'starting_after', cursorPath: '$.id', cursorFromLastRecord: true, hasMorePath: '$.has_more', pageSize: 100, limitParam: 'limit' },
        incremental: { sinceParam: 'updated_since', cursorPath: '$.updated', format: 'UNIX_SECONDS', lookbackSeconds: 60 },
        schedule: '*/15 * * * *',
      };
      const created = (await gw.ok(CREATE_COLLECTION, { input })).createCollection;
      assert.equal(created.name, 'invoices');
      assert.equal(created.method, 'GET');
      assert.equal(created.path, '/customers/{customer}/invoices');
      assert.deepEqual(created.pathParams, { customer: 'c_1' });
      assert.deepEqual(created.query, input.query);
      assert.equal(created.dataPath, '$.data');
      assert.deepEqual(created.pagination, { type: 'CURSOR', pageSize: 100, limitParam: 'limit', offsetParam: null, cursorParam: 'starting_after', cursorPath: '$.id', cursorFromLastRecord: true, hasMorePath: '$.has_more' });
      assert.deepEqual(created.incremental, { sinceParam: 'updated_since', cursorPath: '$.updated', format: 'UNIX_SECONDS', lookbackSeconds: 60 });
      assert.equal(created.schedule, '*/15 * * * *');
      assert.equal(created.mapping, null);
      assert.equal(created.recordCount, 0);
      assert.equal(created.lastRun, null);
      assert.deepEqual(created.source, { id: source.id, name: 'Billing' });

      const mapping = await gw.ok(
        `mutation($id: ID!, $fields: [MappedFieldInput!]!) { setMapping(collectionId: $id, fields: $fields) { fields { name path type format } } }`,
        {
          id: created.id,
          fields: [
            { name: 'number', path: '$.number', type: 'TEXT' },
            { name: 'amount', path: '$.amount_due', type: 'NUMBER' },
            { name: 'paid', path: '$.paid', type: 'BOOLEAN' },
            { name: 'created', path: '$.created', type: 'DATETIME', format: 'UNIX_SECONDS' },
            { name: 'due', path: '$.due_date', type: 'DATE' },
            { name: 'lines', path: '$.lines.data', type: 'JSON' },
          ],
        },
      );
      assert.equal(mapping.setMapping.fields.length, 6);
      assert.deepEqual(mapping.setMapping.fields[3], { name: 'created', path: '$.created', type: 'DATETIME', format: 'UNIX_SECONDS' });

      const read = (await gw.ok(`query($id: ID!) { collection(id: $id) { ${COLLECTION_FIELDS} } source(id: "${source.id}") { collections { id } } }`, { id: created.id }));
      assert.deepEqual(read.collection.mapping, mapping.setMapping);
      assert.deepEqual(read.source.collections, [{ id: created.id }]);

      const updated = (
        await gw.ok(`mutation($id: ID!, $input: CollectionInput!) { updateCollection(id: $id, input: $input) { ${COLLECTION_FIELDS} } }`, {
          id: created.id,
          input: { sourceId: source.id, name: 'all-invoices', path: '/invoices', pathParams: null, schedule: null, pagination: { type: 'PAGE', pageParam: 'page', pageSize: 50, limitParam: 'per_page' } },
        })
      ).updateCollection;
      assert.equal(updated.name, 'all-invoices');
      assert.equal(updated.schedule, null);
      assert.equal(updated.pagination.type, 'PAGE');
      assert.deepEqual(updated.query, input.query, 'an omitted field keeps its value');
      assert.equal(updated.mapping.fields.length, 6, 'an update keeps the mapping');

      const cleared = await gw.ok(`mutation($id: ID!) { setMapping(collectionId: $id, fields: []) { fields { name } } }`, { id: created.id });
      assert.deepEqual(cleared.setMapping.fields, []);

      assert.equal((await gw.ok(`mutation($id: ID!) { deleteCollection(id: $id) }`, { id: created.id })).deleteCollection, created.id);
      const gone = await gw.gql(`query($id: ID!) { collection(id: $id) { id } }`, { id: created.id });
      assert.equal(gone.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    });

    test('runs: startSync queues one run per collection, cancelSync cancels a queued run', async () => {
      const source = (await gw.ok(CREATE_SOURCE, { input: { name: 'Runs', baseUrl: 'http://127.0.0.1:9' } })).createSource;
      const collection = (await gw.ok(CREATE_COLLECTION, { input: { sourceId: source.id, name: 'items', path: '/items' } })).createCollection;
      const first = (await gw.ok(`mutation($id: ID!) { startSync(collectionId: $id, mode: FULL) { id status mode stats { pages fetched created } } }`, { id: collection.id })).startSync;
      assert.equal(first.status, 'QUEUED');
      assert.equal(first.mode, 'FULL');
      assert.deepEqual(first.stats, { pages: 0, fetched: 0, created: 0 });
      const second = (await gw.ok(`mutation($id: ID!) { startSync(collectionId: $id) { id } }`, { id: collection.id })).startSync;
      assert.equal(second.id, first.id, 'a second startSync returns the active run');
      const incremental = await gw.gql(`mutation($id: ID!) { startSync(collectionId: $id, mode: INCREMENTAL) { id } }`, { id: collection.id });
      assert.equal(incremental.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      const cancelled = (await gw.ok(`mutation($id: ID!) { cancelSync(runId: $id) { id status finishedAt } }`, { id: first.id })).cancelSync;
      assert.equal(cancelled.status, 'CANCELLED');
      assert.ok(cancelled.finishedAt);
      const read = (await gw.ok(`query($id: ID!, $c: ID!) { syncRun(id: $id) { status collection { id } recordErrors { message } } collection(id: $c) { lastRun { id } runs(first: 5) { id } } }`, { id: first.id, c: collection.id }));
      assert.equal(read.syncRun.status, 'CANCELLED');
      assert.equal(read.collection.lastRun.id, first.id);
    });

    test('records and webhooks queries answer on an empty collection', async () => {
      const source = (await gw.ok(CREATE_SOURCE, { input: { name: 'Empty', baseUrl: 'https://e.example.com' } })).createSource;
      const collection = (await gw.ok(CREATE_COLLECTION, { input: { sourceId: source.id, name: 'things', path: '/things' } })).createCollection;
      const data = await gw.ok(`query($id: ID!) { records(collectionId: $id, first: 10) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } record(collectionId: $id, externalId: "x") { id } }`, { id: collection.id });
      assert.deepEqual(data.records, { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 });
      assert.equal(data.record, null);

      const hook = (await gw.ok(`mutation($input: WebhookInput!) { createWebhook(input: $input) { id url collectionId types deliveries { id } } }`, {
        input: { url: 'https://app.example.com/hooks', collectionId: collection.id, types: ['CREATED', 'DELETED'], secret: 'whsec_abc' },
      })).createWebhook;
      assert.equal(hook.collectionId, collection.id);
      assert.deepEqual(hook.types, ['CREATED', 'DELETED']);
      assert.ok((await gw.ok(`{ webhooks { id } }`)).webhooks.some((w: { id: string }) => w.id === hook.id));
      assert.equal((await gw.ok(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: hook.id })).deleteWebhook, hook.id);
    });

    test('unknown ids answer NOT_FOUND; node(id:) answers null', async () => {
      const missing = Buffer.from('Source:00000000-0000-4000-8000-000000000000').toString('base64');
      for (const [query, vars] of [
        [`query($id: ID!) { source(id: $id) { id } }`, { id: missing }],
        [`query($id: ID!) { collection(id: $id) { id } }`, { id: 'nonsense' }],
        [`query($id: ID!) { syncRun(id: $id) { id } }`, { id: 'bm9wZQ==' }],
        [`mutation($id: ID!) { deleteSource(id: $id) }`, { id: missing }],
        [`mutation($id: ID!) { startSync(collectionId: $id) { id } }`, { id: 'x' }],
        [`mutation { setMapping(collectionId: "y", fields: []) { fields { name } } }`, {}],
        [`mutation($id: ID!) { createCollection(input: { sourceId: $id, name: "n", path: "/p" }) { id } }`, { id: missing }],
      ] as const) {
        const result = await gw.gql(query, vars);
        assert.equal(result.errors?.[0]?.extensions?.code, 'NOT_FOUND', `${query} -> ${JSON.stringify(result.errors)}`);
      }
      const node = await gw.ok(`{ a: node(id: "garbage") { id } b: node(id: "${missing}") { id } }`);
      assert.deepEqual(node, { a: null, b: null });
    });

    test('bad input answers BAD_USER_INPUT naming the field, and stores nothing', async () => {
      const source = (await gw.ok(CREATE_SOURCE, { input: { name: 'Valid', baseUrl: 'https://v.example.com' } })).createSource;
      const before = await tableCounts(gw);
      const src = (extra: object) => ({ input: { name: 'S', baseUrl: 'https://ok.example.com', ...extra } });
      const col = (extra: object) => ({ input: { sourceId: source.id, name: 'c', path: '/c', ...extra } });
      const cases: Array<[string, string, Record<string, unknown>, string]> = [
        ['malformed URL', CREATE_SOURCE, src({ baseUrl: 'not a url' }), 'input.baseUrl'],
        ['non-http URL', CREATE_SOURCE, src({ baseUrl: 'ftp://files.example.com' }), 'input.baseUrl'],
        ['API_KEY without key', CREATE_SOURCE, src({ auth: { type: 'API_KEY', apiKeyName: 'X-Key' } }), 'input.auth.apiKey'],
        ['API_KEY without name', CREATE_SOURCE, src({ auth: { type: 'API_KEY', apiKey: 'k' } }), 'input.auth.apiKeyName'],
        ['BASIC without password', CREATE_SOURCE, src({ auth: { type: 'BASIC', username: 'u' } }), 'input.auth.password'],
        ['BEARER without token', CREATE_SOURCE, src({ auth: { type: 'BEARER' } }), 'input.auth.token'],
        ['OAUTH2 without clientSecret', CREATE_SOURCE, src({ auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl: '/oauth/token', clientId: 'id' } }), 'input.auth.clientSecret'],
        ['OAUTH2 bad tokenUrl', CREATE_SOURCE, src({ auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl: 'mailto:x', clientId: 'id', clientSecret: 's' } }), 'input.auth.tokenUrl'],
        ['unknown auth type (variables)', CREATE_SOURCE, src({ auth: { type: 'KERBEROS' } }), 'input.auth.type'],
        ['headers not an object', CREATE_SOURCE, src({ headers: ['X-A'] }), 'input.headers'],
        ['header value not a string', CREATE_SOURCE, src({ headers: { 'X-Count': 3 } }), 'input.headers.X-Count'],
        ['nested headers', CREATE_SOURCE, src({ headers: { 'X-A': { b: 'c' } } }), 'input.headers.X-A'],
        ['negative timeout', CREATE_SOURCE, src({ timeoutMs: -1 }), 'input.timeoutMs'],
        ['bad cron', CREATE_COLLECTION, col({ schedule: '61 * * * *' }), 'input.schedule'],
        ['cron with 3 fields', CREATE_COLLECTION, col({ schedule: '* * *' }), 'input.schedule'],
        ['bad dataPath', CREATE_COLLECTION, col({ dataPath: '$.data[' }), 'input.dataPath'],
        ['bad idPath', CREATE_COLLECTION, col({ idPath: 'id' }), 'input.idPath'],
        ['OFFSET without pageSize', CREATE_COLLECTION, col({ pagination: { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit' } }), 'input.pagination.pageSize'],
        ['CURSOR without cursorParam', CREATE_COLLECTION, col({ pagination: { type: 'CURSOR', cursorPath: '$.next' } }), 'input.pagination.cursorParam'],
        ['NEXT_URL without nextUrlPath', CREATE_COLLECTION, col({ pagination: { type: 'NEXT_URL' } }), 'input.pagination.nextUrlPath'],
        ['PAGE without pageParam', CREATE_COLLECTION, col({ pagination: { type: 'PAGE' } }), 'input.pagination.pageParam'],
        ['unknown pagination type', CREATE_COLLECTION, col({ pagination: { type: 'SCROLL' } }), 'input.pagination.type'],
        ['incremental with bad format', CREATE_COLLECTION, col({ incremental: { sinceParam: 'since', cursorPath: '$.updated', format: 'EPOCH' } }), 'input.incremental.format'],
        ['missing path placeholder value', CREATE_COLLECTION, col({ path: '/users/{userId}/events' }), 'input.pathParams'],
        ['unknown method', CREATE_COLLECTION, col({ method: 'FETCH' }), 'input.method'],
      ];
      for (const [what, query, variables, field] of cases) {
        const result = await gw.gql(query, variables);
        const error = result.errors?.[0];
        assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', `${what}: ${JSON.stringify(result)}`);
        assert.ok(error!.message.includes(field), `${what}: message "${error!.message}" names ${field}`);
      }
      assert.deepEqual(await tableCounts(gw), before, 'nothing was stored');
    });

    test('bad values written into the query itself are BAD_USER_INPUT naming the field', async () => {
      const result = await gw.gql(`mutation { createSource(input: { name: "x", baseUrl: "https://x.example.com", auth: { type: FOO } }) { id } }`);
      assert.equal(result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.match(result.errors![0]!.message, /input\.auth\.type/);
    });

    test('bad mappings: duplicate names, invalid identifiers, bad JSONPath, format on a non-date field', async () => {
      const source = (await gw.ok(CREATE_SOURCE, { input: { name: 'M', baseUrl: 'https://m.example.com' } })).createSource;
      const collection = (await gw.ok(CREATE_COLLECTION, { input: { sourceId: source.id, name: 'm', path: '/m' } })).createCollection;
      const SET = `mutation($id: ID!, $fields: [MappedFieldInput!]!) { setMapping(collectionId: $id, fields: $fields) { fields { name } } }`;
      const cases: Array<[unknown[], string]> = [
        [[{ name: 'a', path: '$.a', type: 'TEXT' }, { name: 'a', path: '$.b', type: 'TEXT' }], 'fields[1].name'],
        [[{ name: '1st', path: '$.a', type: 'TEXT' }], 'fields[0].name'],
        [[{ name: 'has space', path: '$.a', type: 'TEXT' }], 'fields[0].name'],
        [[{ name: 'ok', path: '$..[', type: 'TEXT' }], 'fields[0].path'],
        [[{ name: 'n', path: '$.n', type: 'NUMBER', format: 'UNIX_SECONDS' }], 'fields[0].format'],
        [[{ name: 'd', path: '$.d', type: 'DATETIME', format: 'JULIAN' }], 'fields[0].format'],
      ];
      for (const [fields, field] of cases) {
        const result = await gw.gql(SET, { id: collection.id, fields });
        assert.equal(result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(result));
        assert.ok(result.errors![0]!.message.includes(field), `"${result.errors![0]!.message}" names ${field}`);
      }
      const read = await gw.ok(`query($id: ID!) { collection(id: $id) { mapping { fields { name } } } }`, { id: collection.id });
      assert.equal(read.collection.mapping, null, 'no bad mapping was stored');
    });
  });
}
