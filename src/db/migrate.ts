import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { DatabaseConfig } from '../config';
import type { Database } from './client';

/** drizzle/ at the project's root: two levels up from src/db, one from the built dist/. */
const migrationsFolder = findUp('drizzle/meta/_journal.json', fileURLToPath(import.meta.url)).replace(/[\\/]meta[\\/]_journal\.json$/, '');

function findUp(relative: string, from: string): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`migrations not found: no ${relative} above ${from}`);
  }
}

/** Any constant works; it only has to be the same for every instance. */
const MIGRATION_LOCK = 7_314_220_001;

/**
 * Applies drizzle/ migrations; already applied ones are skipped. On
 * PostgreSQL several instances may start at once, so the migration runs under
 * a session advisory lock on a connection of its own: the second instance
 * waits, then finds nothing left to do.
 */
export async function migrateDatabase(config: DatabaseConfig, database: Database): Promise<void> {
  if (config.kind === 'pglite') {
    await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migratePg(drizzlePg({ client }), { migrationsFolder });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}
