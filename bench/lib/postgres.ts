/** Fresh PostgreSQL databases for benchmarks, on BENCH_POSTGRES_URL or the local server. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createDatabase(label = 'bench'): Promise<BenchDatabase> {
  const name = `tributary_${label}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (c) => {
    await c.query(`CREATE DATABASE ${name}`);
    // BENCH_PG_LOG=1: every statement and its duration in the server's log.
    if (process.env.BENCH_PG_LOG) await c.query(`ALTER DATABASE ${name} SET log_min_duration_statement = 0`);
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * Before queries are timed: the planner's statistics as autovacuum would
 * leave them, and a checkpoint, so the fill's dirty pages are not being
 * written out under the timed queries (that slowed the bare SQL more than
 * the gateway, and flattered the ratio: 1.1-1.6x then, 2.2-4.1x on a quiet
 * database).
 */
export async function settleForQueries(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE records');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}
