import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { decodeId } from '../../src/catalog/ids';
import { serializeDateTime } from '../../src/graphql/scalars';
import { DRIVERS, type TestDatabase } from '../helpers/db';
import { ADMIN_TOKEN, startGateway, type TestGateway } from '../helpers/gateway';
import { wsClient } from '../events/fixtures';

const TIERS = ['free', 'pro', 'enterprise'];
const COUNT = 250;
/** Records n = 1..COUNT; every 10th is soft-deleted, every 7th is at version 2. */
const isDeleted = (n: number) => n % 10 === 0;
const PAGE = `query($c: ID!, $first: Int, $after: String, $filter: JSON, $all: Boolean) {
  records(collectionId: $c, first: $first, after: $after, filter: $filter, includeDeleted: $all) {
    edges { cursor node { id externalId data version createdAt updatedAt deletedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Node {
  id: string;
  externalId: string;
  data: { n: number; tier: string; address: { city: string } };
  version: number;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}
interface Page {
  records: { edges: Array<{ cursor: string; node: Node }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

test('DateTime: PostgreSQL text in UTC rewritten, any other offset or a Date through Date', () => {
  assert.equal(serializeDateTime('2024-05-05 10:11:12.987654+00'), '2024-05-05T10:11:12.987Z');
  assert.equal(serializeDateTime('2024-05-05 10:11:12+00'), '2024-05-05T10:11:12.000Z');
  assert.equal(serializeDateTime('2024-05-05 10:11:12.1+00'), '2024-05-05T10:11:12.100Z');
  assert.equal(serializeDateTime('2024-05-05 12:11:12.25+02'), '2024-05-05T10:11:12.250Z');
  assert.equal(serializeDateTime(new Date(Date.UTC(2024, 4, 5, 10, 11, 12, 7))), '2024-05-05T10:11:12.007Z');
});

for (const driver of DRIVERS) {
  describe(`records query on ${driver.name}`, () => {
    let db: TestDatabase;
    let gw: TestGateway;
    let collectionId: string;
    let otherId: string;

    before(async () => {
      db = await driver.create();
      gw = await startGateway(db.config, { workers: false });
      const source = (await gw.ok(`mutation { createSource(input: { name: "s", baseUrl: "https://s.example.com" }) { id } }`)).createSource;
      const create = (name: string) =>
        gw.ok(`mutation($s: ID!, $n: String!) { createCollection(input: { sourceId: $s, name: $n, path: "/x" }) { id } }`, { s: source.id, n: name });
      collectionId = (await create('customers')).createCollection.id;
      otherId = (await create('others')).createCollection.id;
      // Interleaved with another collection's records, so ids of one collection are not contiguous.
      for (const [id, prefix, count] of [[collectionId, 'c', COUNT], [otherId, 'o', 50]] as const) {
        await gw.rt.db.execute(sql`
          INSERT INTO records (collection_id, external_id, data, hash, version, created_at, updated_at, deleted_at)
          SELECT ${decodeId('Collection', id)}::uuid, ${prefix} || g, jsonb_build_object('n', g, 'tier', (ARRAY['free', 'pro', 'enterprise'])[g % 3 + 1], 'address', jsonb_build_object('city', 'City ' || g % 4)),
                 md5(g::text), 1 + (g % 7 = 0)::int, timestamptz '2024-01-01T00:00:00Z' + g * interval '1 hour', timestamptz '2024-02-01T00:00:00Z' + g * interval '1 hour',
                 CASE WHEN g % 10 = 0 THEN timestamptz '2024-03-01T00:00:00Z' END
          FROM generate_series(1, ${count}::int) g`);
      }
    });
    after(async () => {
      await gw?.stop();
      await db?.drop();
    });

    async function all(variables: Record<string, unknown>): Promise<Node[]> {
      const nodes: Node[] = [];
      let cursor: string | null = null;
      for (;;) {
        const { records } = (await gw.ok(PAGE, { c: collectionId, first: 40, ...variables, after: cursor })) as Page;
        nodes.push(...records.edges.map((e) => e.node));
        assert.equal(records.pageInfo.endCursor, records.edges.at(-1)?.cursor ?? null);
        if (!records.pageInfo.hasNextPage) return nodes;
        cursor = records.pageInfo.endCursor;
      }
    }

    test('a page: live records in a stable order with every field, hasNextPage, and totalCount only when asked', async () => {
      const { records } = (await gw.ok(PAGE, { c: collectionId, first: 3 })) as Page;
      assert.equal(records.edges.length, 3);
      assert.equal(records.pageInfo.hasNextPage, true);
      const first = records.edges[0]!.node;
      assert.deepEqual(
        { ...first, id: undefined },
        {
          id: undefined,
          externalId: 'c1',
          data: { n: 1, tier: 'pro', address: { city: 'City 1' } },
          version: 1,
          createdAt: '2024-01-01T01:00:00.000Z',
          updatedAt: '2024-02-01T01:00:00.000Z',
          deletedAt: null,
        },
      );
      assert.match(Buffer.from(first.id, 'base64').toString(), /^Record:\d+$/);
      assert.deepEqual(records.edges.map((e) => e.node.externalId), ['c1', 'c2', 'c3']);
      assert.equal(records.edges[2]!.cursor, records.pageInfo.endCursor);
      const counted = await gw.ok(`query($c: ID!) { records(collectionId: $c) { edges { cursor } totalCount } }`, { c: collectionId });
      assert.equal(counted.records.edges.length, 100, 'first defaults to 100');
      assert.equal(counted.records.totalCount, COUNT - COUNT / 10);
    });

    test('the same page over graphql-ws and over SSE as over HTTP JSON', async () => {
      const variables = { c: collectionId, first: 20 };
      const overHttp = (await gw.ok(PAGE, variables)) as Page;
      const client = wsClient(gw.url);
      try {
        const overWs = await new Promise<unknown>((resolve, reject) =>
          client.subscribe({ query: PAGE, variables }, { next: (r) => (r.errors ? reject(new Error(JSON.stringify(r.errors))) : resolve(r.data)), error: reject, complete: () => {} }),
        );
        assert.deepEqual(overWs, overHttp);
      } finally {
        await client.dispose();
      }
      const res = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ query: PAGE, variables }),
      });
      const text = await res.text();
      const data = text.split('\n').find((l) => l.startsWith('data: {'));
      assert.deepEqual(JSON.parse(data!.slice(6)).data, overHttp);
      assert.equal(overHttp.records.edges[0]!.node.data.address.city, 'City 1');
    });

    test('paging with after visits every live record once, in order; includeDeleted adds the deleted ones', async () => {
      const live = await all({});
      assert.deepEqual(
        live.map((r) => r.data.n),
        Array.from({ length: COUNT }, (_, i) => i + 1).filter((n) => !isDeleted(n)),
      );
      assert.ok(live.every((r) => r.version === (r.data.n % 7 === 0 ? 2 : 1)));
      const everything = await all({ all: true });
      assert.equal(everything.length, COUNT);
      const deleted = everything.filter((r) => r.deletedAt !== null);
      assert.deepEqual(deleted.map((r) => r.data.n), Array.from({ length: COUNT / 10 }, (_, i) => (i + 1) * 10));
      assert.equal(deleted[0]!.deletedAt, '2024-03-01T00:00:00.000Z');
      const counted = await gw.ok(`query($c: ID!) { records(collectionId: $c, first: 1, includeDeleted: true) { totalCount } }`, { c: collectionId });
      assert.equal(counted.records.totalCount, COUNT);
    });

    test('filter: JSON containment, nested too, combined with paging and totalCount', async () => {
      const pro = await all({ filter: { tier: 'pro' } });
      const expected = Array.from({ length: COUNT }, (_, i) => i + 1).filter((n) => !isDeleted(n) && TIERS[n % 3] === 'pro');
      assert.deepEqual(pro.map((r) => r.data.n), expected);
      const nested = await all({ filter: { tier: 'free', address: { city: 'City 0' } } });
      assert.deepEqual(
        nested.map((r) => r.data.n),
        Array.from({ length: COUNT }, (_, i) => i + 1).filter((n) => !isDeleted(n) && TIERS[n % 3] === 'free' && n % 4 === 0),
      );
      assert.deepEqual(await all({ filter: { tier: 'none' } }), []);
      const counted = await gw.ok(`query($c: ID!) { records(collectionId: $c, first: 5, filter: { tier: "pro" }) { edges { node { externalId } } totalCount } }`, { c: collectionId });
      assert.equal(counted.records.totalCount, expected.length);
      assert.equal(counted.records.edges.length, 5);
    });

    test('first: 0 answers no edges; records of another collection never show', async () => {
      const empty = (await gw.ok(PAGE, { c: collectionId, first: 0 })) as Page;
      assert.deepEqual(empty.records, { edges: [], pageInfo: { hasNextPage: true, endCursor: null } });
      const others = await gw.ok(`query($c: ID!) { records(collectionId: $c, first: 1000) { edges { node { externalId collection { id } } } totalCount } }`, { c: otherId });
      assert.equal(others.records.totalCount, 45);
      assert.ok(others.records.edges.every((e: { node: { externalId: string; collection: { id: string } } }) => e.node.externalId.startsWith('o') && e.node.collection.id === otherId));
    });

    test('timestamps: ISO 8601 in UTC, microseconds cut to milliseconds', async () => {
      await gw.rt.db.execute(sql`UPDATE records SET updated_at = '2024-05-05 10:11:12.987654+00', created_at = '2024-05-05 10:11:12.5+00' WHERE external_id = 'c5'`);
      const { record } = await gw.ok(`query($c: ID!) { record(collectionId: $c, externalId: "c5") { createdAt updatedAt deletedAt } }`, { c: collectionId });
      assert.deepEqual(record, { createdAt: '2024-05-05T10:11:12.500Z', updatedAt: '2024-05-05T10:11:12.987Z', deletedAt: null });
      const deleted = await gw.ok(`query($c: ID!) { record(collectionId: $c, externalId: "c10") { deletedAt } }`, { c: collectionId });
      assert.equal(deleted.record.deletedAt, '2024-03-01T00:00:00.000Z');
    });

    test('record(collectionId, externalId) and node(id) find one record; a miss is null', async () => {
      const found = await gw.ok(`query($c: ID!) { record(collectionId: $c, externalId: "c7") { id data version collection { id } } }`, { c: collectionId });
      assert.equal(found.record.version, 2);
      assert.equal(found.record.data.n, 7);
      assert.equal(found.record.collection.id, collectionId);
      const node = await gw.ok(`query($id: ID!) { node(id: $id) { id ... on Record { externalId } } }`, { id: found.record.id });
      assert.deepEqual(node.node, { id: found.record.id, externalId: 'c7' });
      const missing = await gw.ok(`query($c: ID!, $o: ID!) { a: record(collectionId: $c, externalId: "o1") { id } b: record(collectionId: $o, externalId: "nope") { id } }`, { c: collectionId, o: otherId });
      assert.deepEqual(missing, { a: null, b: null });
    });

    test('bad arguments answer BAD_USER_INPUT naming the argument; an unknown collection NOT_FOUND', async () => {
      for (const [variables, field] of [
        [{ first: 1001 }, 'first'],
        [{ first: -1 }, 'first'],
        [{ after: 'not-a-cursor' }, 'after'],
        [{ filter: [1, 2] }, 'filter'],
        [{ filter: 'pro' }, 'filter'],
      ] as const) {
        const res = await gw.gql(PAGE, { c: collectionId, ...variables });
        assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(variables));
        assert.match(res.errors![0]!.message, new RegExp(`^${field}:`));
      }
      const unknown = Buffer.from('Collection:00000000-0000-4000-8000-000000000000').toString('base64');
      for (const c of [unknown, 'nonsense', '00000000-0000-4000-8000-000000000000']) {
        for (const query of [PAGE, `query($c: ID!) { record(collectionId: $c, externalId: "c1") { id } }`]) {
          const res = await gw.gql(query, { c });
          assert.equal(res.errors?.[0]?.extensions?.code, 'NOT_FOUND', `${c} ${query.slice(0, 30)}`);
        }
      }
    });
  });
}
