/**
 * Planner statistics after bulk writes. Right after a first import the
 * records table has none until autovacuum gets to it (up to a minute, or
 * longer on a busy server), and without them PostgreSQL estimates several
 * rows per (collection, external id) and probes the unique index with
 * bitmap scans: each page's read costs twice what it does with statistics.
 * PostgreSQL's own advice after a bulk load is to ANALYZE, so a run that
 * changed a large share of the table does, once it has ended.
 */
import { sql } from 'drizzle-orm';
import { rows } from '../db/client';
import type { Runtime } from '../runtime';

/** Below this many changes a run never triggers it. */
const MIN_CHANGES = 5_000;
/** autovacuum_analyze_scale_factor's default: analyze once a tenth of the table is new. */
const SHARE = 0.1;

/** ANALYZE records when `changes` is a large share of it (or it never was analyzed). Never throws. */
export async function refreshStatistics(rt: Runtime, changes: number): Promise<void> {
  if (changes < MIN_CHANGES) return;
  try {
    const [rel] = await rows<{ tuples: number }>(rt.db, sql`SELECT reltuples::float8 AS tuples FROM pg_class WHERE oid = 'records'::regclass`);
    const tuples = Number(rel?.tuples ?? -1);
    // reltuples is -1 (PostgreSQL 14+) or 0 on a table never analyzed.
    if (tuples > 0 && changes < SHARE * tuples) return;
    const started = performance.now();
    await rt.db.execute(sql`ANALYZE records`);
    rt.log.debug({ changes, ms: Math.round(performance.now() - started) }, 'records analyzed after a large run');
  } catch (err) {
    rt.log.warn({ err }, 'could not analyze records after a large run; autovacuum will');
  }
}
