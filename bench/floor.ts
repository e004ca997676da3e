/**
 * The floor an import is measured against, in the same run on the same
 * machine: the least work any importer must do for the same result.
 *
 * - fetch: every page requested with undici alone and its JSON parsed.
 * - insert: the same records (the same 5 fields picked out, no coercion, no
 *   hash) bulk-inserted with pg alone into a database migrated like the
 *   gateway's (same tables and indexes), one transaction per page holding one
 *   INSERT ... SELECT FROM unnest(...) for the records and one for their
 *   events. The pages are fetched again for this part, outside the clock.
 *
 * floor = fetch + insert: the gateway overlaps the two, so it can beat it.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { request } from 'undici';
import { openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';

export interface FloorResult {
  fetchSeconds: number;
  insertSeconds: number;
  pages: number;
}

type Customer = { id: string; name: string; email: string; balance: number; updated: string; metadata: Record<string, unknown> };

async function page(baseUrl: string, offset: number, limit: number): Promise<Customer[]> {
  const res = await request(`${baseUrl}/items?offset=${offset}&limit=${limit}`);
  const body = (await res.body.json()) as { data: Customer[] };
  return body.data;
}

export async function fetchFloor(baseUrl: string, count: number, pageSize: number): Promise<{ seconds: number; pages: number }> {
  const t0 = performance.now();
  let pages = 0;
  for (let offset = 0; ; offset += pageSize) {
    const data = await page(baseUrl, offset, pageSize);
    pages++;
    if (data.length < pageSize || offset + pageSize >= count + pageSize) break;
  }
  return { seconds: (performance.now() - t0) / 1000, pages };
}

export async function insertFloor(baseUrl: string, databaseUrl: string, count: number, pageSize: number): Promise<number> {
  const config = { kind: 'postgres', url: databaseUrl } as const;
  const database = await openDatabase(config);
  await migrateDatabase(config, database);
  await database.close();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const sourceId = randomUUID();
    const collectionId = randomUUID();
    await client.query(
      `INSERT INTO sources (id, name, base_url, auth_type, credentials, timeout_ms, retry) VALUES ($1, 'floor', $2, 'NONE', '', 30000, '{}')`,
      [sourceId, baseUrl],
    );
    await client.query(
      `INSERT INTO collections (id, source_id, name, method, path, path_params, query, headers, data_path, id_path, pagination)
       VALUES ($1, $2, 'floor', 'GET', '/items', '{}', '{}', '{}', '$.data', '$.id', '{}')`,
      [collectionId, sourceId],
    );
    let seconds = 0;
    for (let offset = 0; offset < count; offset += pageSize) {
      const data = await page(baseUrl, offset, pageSize);
      const t0 = performance.now();
      const ids = new Array<string>(data.length);
      const docs = new Array<string>(data.length);
      for (let i = 0; i < data.length; i++) {
        const r = data[i]!;
        ids[i] = r.id;
        docs[i] = JSON.stringify({ name: r.name, email: r.email, balance: r.balance, updated: r.updated, metadata: r.metadata });
      }
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO records (collection_id, external_id, data, hash) SELECT $1, e, d, '' FROM unnest($2::text[], $3::jsonb[]) AS u(e, d)`,
        [collectionId, ids, docs],
      );
      await client.query(
        `INSERT INTO record_events (type, collection_id, external_id, data, version) SELECT 'CREATED', $1, e, d, 1 FROM unnest($2::text[], $3::jsonb[]) AS u(e, d)`,
        [collectionId, ids, docs],
      );
      await client.query('COMMIT');
      seconds += (performance.now() - t0) / 1000;
    }
    return seconds;
  } finally {
    await client.end();
  }
}
