import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config';

/** The local PostgreSQL the tests use; each test file gets a database of its own on it. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  config: DatabaseConfig;
  /** A URL pg_dump and psql can use (postgres only). */
  url?: string;
  drop(): Promise<void>;
}

export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `tributary_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    config: { kind: 'postgres', url: url.toString() },
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export function createPgliteDatabase(): TestDatabase {
  return { config: { kind: 'pglite', dataDir: undefined }, drop: async () => {} };
}

/** Both drivers, so a suite runs the same tests on PGlite and on PostgreSQL. */
export const DRIVERS = [
  { name: 'PGlite', create: async () => createPgliteDatabase() },
  { name: 'PostgreSQL', create: createPostgresDatabase },
] as const;
