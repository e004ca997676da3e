/**
 * What a full run has seen (sync_run_seen): one row per committed write,
 * the external ids of the pages it covered, kept until the run ends, for
 * delete detection (finish.ts) and for telling whether an id was on two
 * pages (page-digests.ts).
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, textRows, type Tx } from '../db/client';
import type { KnownPage } from './page-digests';

export interface SeenWrite {
  runId: string;
  collectionId: string;
  /** The run's pages so far, this write's included: the row's key. */
  pages: number;
  /** Ids the run sends (pages it parsed). */
  ids: string[];
  /** Pages reused without parsing, whose ids are copied from their digests (under this mapping). */
  reused: KnownPage[];
  mappingHash: string;
}

/**
 * Writes the row, in the page's transaction. Keyed by the last page covered:
 * a resumed run re-reads from its checkpoint, so keys never collide with
 * committed ones. Missing ids would look deleted at the end of the run, so
 * a digest that went away fails the write instead.
 */
export async function recordSeen(tx: Tx, w: SeenWrite): Promise<void> {
  const bodies = w.reused.map((p) => p.bodyHash);
  const [seen] = await rows<{ n: number }>(tx, sql`
    INSERT INTO sync_run_seen (run_id, page, external_ids)
    VALUES (${w.runId}::uuid, ${w.pages}::int, ARRAY(
      SELECT ${textRows(w.ids)}
      UNION ALL
      SELECT unnest(d.external_ids) FROM ${textRows(bodies)} AS b(h)
      JOIN page_digests d ON d.collection_id = ${w.collectionId} AND d.body_hash = b.h AND d.mapping_hash = ${w.mappingHash}))
    ON CONFLICT (run_id, page) DO UPDATE SET external_ids = excluded.external_ids
    RETURNING cardinality(external_ids) AS n`);
  let expected = w.ids.length;
  for (const p of w.reused) expected += p.count;
  if (Number(seen?.n) !== expected) {
    throw new Error(`page digests changed during the run (${Number(seen?.n)} seen ids where ${expected} were expected); this page and the ones before it were not committed`);
  }
}

/**
 * The ids a run saw, as rows of external_id. Not deduplicated: for an
 * anti-join a seen id matches or not however often it was seen, and
 * DISTINCT would hash the whole list first.
 */
export function seenIds(runId: string): SQL {
  return sql`SELECT unnest(external_ids) AS external_id FROM sync_run_seen WHERE run_id = ${runId}`;
}

/** At the end of a run, whatever the ending: only a run in progress needs them. */
export function forgetSeen(runId: string): SQL {
  return sql`DELETE FROM sync_run_seen WHERE run_id = ${runId}`;
}
