/**
 * Page digests: how a full run skips mapping a page it has met before.
 *
 * Mapping and hashing every record is most of what an unchanged page costs
 * this process, yet what a page maps to depends only on its bytes and on the
 * collection's mapping. So each error-free page a full run maps leaves a row
 * in page_digests, keyed by the SHA-256 of its body: the external ids it
 * maps to and the md5 of their content hashes (its digest). When a later
 * full run gets a body with a known hash, it asks PostgreSQL instead whether the
 * stored records still carry exactly those hashes (stillStored): one
 * statement, nothing per record on this side. If they do, the page is
 * unchanged, as the per-record read would have found; if not (a record was
 * changed or deleted since, by another run or by hand), the page is mapped
 * and goes the usual way. Bodies that differ every time (a timestamp in the
 * envelope) simply never match.
 *
 * Not even that check is needed while nothing in the collection changed.
 * Every change of a record appends a record event in the same transaction,
 * so the collection's newest event id marks its state; retention deletes
 * events oldest first, which can never make an older id the newest again.
 * A full run that succeeds with no events but its own (none, for a no-op)
 * stamps the digests it met with the newest id (verified_event); the next
 * run trusts a digest whose stamp still is the newest. Its own events only
 * touch the ids of the page they came from, unless an id turned up on two
 * pages, in which case nothing is stamped.
 *
 * A body whose digest is current is not even parsed: its digest keeps a
 * skeleton (the body without its records, connectors/skeleton.ts), its size
 * and its largest cursor, which is all paging and the run need, and its ids
 * go into the run's seen ids from page_digests itself (seen.ts).
 *
 * A row can never be wrong, only unused: it is a pure function of body and
 * mapping, and the records are checked each time. A successful full run
 * drops the rows of bodies it did not meet, so they track the source.
 */
import { hash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { rows, textRows, type Executor, type Tx } from '../db/client';
import type { CollectionConfig } from '../domain';
import { fleshOut } from '../connectors/skeleton';
import { canonicalJson, compileJsonPath } from '../mapping/index';
import type { Runtime } from '../runtime';
import { idsAndHashes, type PageBatch } from './page-batch';
import { seenIds } from './seen';

/**
 * Part of every mapping hash. Bump it when a change to the code (coercion,
 * canonical JSON, content hashes, external ids) makes the same body map to
 * other records: every stored digest then stops matching, and the next full
 * run maps every page again.
 */
const DIGEST_FORMAT = 1;

/** A page body met before, as loaded at the start of the run. */
export interface KnownPage {
  bodyHash: string;
  /** How many distinct records it maps to. */
  count: number;
  /** Nothing in the collection changed since its records were known to match (see verified_event): no check needed. */
  current: boolean;
  /** Current pages only: what lets the body go unparsed. */
  reuse: { skeleton: string; size: number; maxCursor: string | null } | null;
}

/** A page body just mapped, to be written with its page's transaction. */
export interface NewDigest {
  bodyHash: string;
  externalIds: string[];
  digest: string;
  skeleton: string;
  size: number;
  maxCursor: string | null;
}

/** What a mapped page adds to its digest. */
export interface PageShape {
  skeleton(): string;
  size: number;
  maxCursor: string | null;
}

export interface PageDigests {
  mappingHash: string;
  /** The collection's newest record event id when the run started (0: none). */
  newestEvent: number;
  /** The digest row of this body, if a run mapped it before with the same mapping. */
  known(bodyHash: string): KnownPage | undefined;
  /** For FetchOptions.reuse: the fleshed-out skeleton of a body whose digest is current. */
  reusable(bodyHash: string): unknown;
  /** The row to write for a page just mapped, or null (met already in this run, record errors, or empty). */
  remember(bodyHash: string, batch: PageBatch, shape: PageShape): NewDigest | null;
  /** Every body hash this run met, known or new. */
  readonly met: ReadonlySet<string>;
}

/** What the collection's bodies map to: everything but the bytes of the body. */
export function mappingHash(collection: CollectionConfig): string {
  const { dataPath, idPath, mapping, incremental } = collection;
  const cursor = incremental ? { path: incremental.cursorPath, format: incremental.format } : null;
  return hash('md5', canonicalJson({ format: DIGEST_FORMAT, dataPath, idPath, mapping, cursor }), 'hex');
}

/** The md5 of a page's content hashes joined by commas, in page order; stillStored builds the same from `records`. */
export function digestOf(hashes: string[]): string {
  return hash('md5', hashes.join(','), 'hex');
}

/** Loads the collection's digests for its current mapping: a row per distinct page body, a few hundred for a million records. */
export async function loadPageDigests(rt: Runtime, collection: CollectionConfig): Promise<PageDigests> {
  const mapping = mappingHash(collection);
  const newest = await newestEvent(rt.db, collection.id);
  const loaded = await rows<{ body_hash: string; n: number; current: boolean; skeleton: string | null; size: number | null; max_cursor: string | null }>(rt.db, sql`
    SELECT body_hash, cardinality(external_ids) AS n, c.current,
      CASE WHEN c.current THEN skeleton END AS skeleton, size, max_cursor
    FROM page_digests, LATERAL (SELECT verified_event IS NOT DISTINCT FROM ${newest}::bigint AS current) c
    WHERE collection_id = ${collection.id} AND mapping_hash = ${mapping}`);
  const known = new Map<string, KnownPage>();
  for (const r of loaded) {
    const reuse = r.skeleton !== null && r.size !== null ? { skeleton: r.skeleton, size: Number(r.size), maxCursor: r.max_cursor } : null;
    known.set(r.body_hash, { bodyHash: r.body_hash, count: Number(r.n), current: r.current, reuse });
  }
  const recordsAt = compileJsonPath(collection.dataPath || '$');
  const met = new Set<string>();
  return {
    mappingHash: mapping,
    newestEvent: newest,
    met,
    known(bodyHash) {
      const page = known.get(bodyHash);
      if (page) met.add(bodyHash);
      return page;
    },
    reusable(bodyHash) {
      const reuse = known.get(bodyHash)?.reuse;
      return reuse ? fleshOut(reuse.skeleton, recordsAt, reuse.size) : undefined;
    },
    remember(bodyHash, batch, shape) {
      // Once per body per run: one insert must not update a row twice.
      if (met.has(bodyHash)) return null;
      met.add(bodyHash);
      if (batch.errors.length > 0 || batch.records.length === 0) return null;
      const { ids: externalIds, hashes } = idsAndHashes(batch.records);
      return { bodyHash, externalIds, digest: digestOf(hashes), skeleton: shape.skeleton(), size: shape.size, maxCursor: shape.maxCursor };
    },
  };
}

/**
 * Whether the records of a known page are stored, live, with exactly the
 * hashes its body maps to: the page's digest rebuilt from `records`, one
 * index probe per id, all in PostgreSQL. False also when the row is gone.
 */
export async function stillStored(rt: Runtime, collectionId: string, mappingHash: string, page: KnownPage): Promise<boolean> {
  const [row] = await rows<{ same: boolean }>(rt.db, sql`
    SELECT (
      SELECT md5(string_agg(coalesce(r.hash, '-'), ',' ORDER BY u.ord))
      FROM unnest(p.external_ids) WITH ORDINALITY AS u(e, ord)
      LEFT JOIN LATERAL (
        SELECT r.hash FROM records r
        WHERE r.collection_id = p.collection_id AND r.external_id = u.e AND r.deleted_at IS NULL LIMIT 1
      ) r ON true
    ) = p.digest AS same
    FROM page_digests p
    WHERE p.collection_id = ${collectionId} AND p.body_hash = ${page.bodyHash} AND p.mapping_hash = ${mappingHash}`);
  return row?.same === true;
}

/** The statement writing new digests, inside a page's transaction. */
export function insertDigests(collectionId: string, mappingHash: string, digests: NewDigest[]): SQL {
  const input = JSON.stringify(digests.map((d) => ({ b: d.bodyHash, i: d.externalIds, d: d.digest, k: d.skeleton, s: d.size, c: d.maxCursor })));
  return sql`
    INSERT INTO page_digests (collection_id, body_hash, mapping_hash, external_ids, digest, skeleton, size, max_cursor)
    SELECT ${collectionId}::uuid, x.b, ${mappingHash}, ARRAY(SELECT json_array_elements_text(x.i)), x.d, x.k, x.s, x.c
    FROM json_to_recordset(${input}::json) AS x(b text, i json, d text, k text, s int, c text)
    ON CONFLICT (collection_id, body_hash) DO UPDATE
      SET mapping_hash = excluded.mapping_hash, external_ids = excluded.external_ids, digest = excluded.digest,
          skeleton = excluded.skeleton, size = excluded.size, max_cursor = excluded.max_cursor, verified_event = NULL`;
}

/** The collection's newest record event id, 0 when it has none. */
async function newestEvent(db: Executor, collectionId: string): Promise<number> {
  const [row] = await rows<{ id: string }>(db, sql`
    SELECT coalesce(max(id), 0)::text AS id FROM record_events WHERE collection_id = ${collectionId}`);
  return Number(row?.id ?? 0);
}

export interface MetDigests {
  runId: string;
  collectionId: string;
  /** The page bodies the run met, every page from its first. */
  met: ReadonlySet<string>;
  /** The collection's newest event when the run started. */
  newestEvent: number;
}

/**
 * At the end of a successful full run, in its transaction, after deletions:
 * the digests of bodies it did not meet go, and those it met are stamped
 * current when every event since the run started is its own and no id was
 * on two of its pages (see the top of this file).
 */
export async function settleDigests(tx: Tx, run: MetDigests): Promise<void> {
  const met = textRows([...run.met]);
  await tx.execute(sql`DELETE FROM page_digests WHERE collection_id = ${run.collectionId} AND body_hash NOT IN (SELECT ${met})`);
  const newest = await newestEvent(tx, run.collectionId);
  if (newest !== run.newestEvent) {
    const [check] = await rows<{ foreign: boolean; twice: boolean }>(tx, sql`
      SELECT
        EXISTS (
          SELECT 1 FROM record_events
          WHERE collection_id = ${run.collectionId} AND id > ${run.newestEvent}::bigint AND run_id IS DISTINCT FROM ${run.runId}::uuid
        ) AS foreign,
        EXISTS (
          SELECT 1 FROM (${seenIds(run.runId)}) s GROUP BY external_id HAVING count(*) > 1
        ) AS twice`);
    if (!check || check.foreign || check.twice) return;
  }
  await tx.execute(sql`
    UPDATE page_digests SET verified_event = ${newest}::bigint
    WHERE collection_id = ${run.collectionId} AND body_hash IN (SELECT ${met}) AND verified_event IS DISTINCT FROM ${newest}::bigint`);
}
