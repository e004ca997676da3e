/**
 * One page, one transaction (with it, any unchanged pages before it that
 * page-writer.ts held back): the records' batched upsert, the seen ids (full
 * runs), record errors, the run's checkpoint and stats, and the record
 * events. Either all of it commits or none does, so a run resumed from its
 * checkpoint neither loses nor doubles a page, and an event exists exactly
 * when its record change does.
 */
import { sql } from 'drizzle-orm';
import { rows, textRows, type Tx } from '../db/client';
import type { SyncStats } from '../domain';
import { Channels } from '../events/notifier';
import type { Runtime } from '../runtime';
import { idsAndHashes, type BatchRecord, type PageBatch } from './page-batch';
import { insertDigests, type KnownPage, type NewDigest } from './page-digests';
import { recordSeen } from './seen';

/**
 * Held (pg_advisory_xact_lock) from just before a transaction allocates
 * record_events ids until it commits. Identity values are handed out at
 * insert time but become visible at commit; without the lock a transaction
 * holding id 11 could commit before one holding id 10, and a reader doing
 * `id > last` would skip 10 forever. Taken as late as possible, after the
 * records are written, so only the short append-and-commit is serialised.
 * Every writer of record_events MUST take it the same way.
 */
export const EVENT_APPEND_LOCK = 7_314_220_002;

export class LeaseLostError extends Error {
  constructor(runId: string) {
    super(`run ${runId}: this instance no longer holds its lease; another one took the run over`);
    this.name = 'LeaseLostError';
  }
}

export interface PageWrite {
  runId: string;
  collectionId: string;
  instanceId: string;
  leaseMs: number;
  /** Full runs record what they saw, for delete detection at the end. */
  full: boolean;
  /** The records to upsert: new, changed or reappearing ones (see changedRecords). */
  records: BatchRecord[];
  errors: PageBatch['errors'];
  /** Every external id of the pages this write covers. */
  seenIds: string[];
  /** Digests of the pages mapped since the last write (full runs), and the mapping they are of. */
  digests: NewDigest[];
  /** Pages reused without parsing (full runs): their seen ids come from their digests. */
  reused: KnownPage[];
  mappingHash: string;
  /** Where paging goes on; null after the last page. */
  checkpoint: unknown;
  maxCursor: string | null;
  /** Stats before these pages, plus the request counters as they are now. */
  stats: SyncStats;
  /** What the pages covered: how many, their records, and those found unchanged before writing. */
  pages: number;
  fetched: number;
  unchanged: number;
  maxRecordErrors: number;
}

interface Change {
  external_id: string;
  created: boolean;
}

/**
 * The records of a page that need writing: new ones, changed ones (another
 * hash) and deleted ones that came back. One indexed read that sends ids and
 * hashes and gets back only what differs, so an unchanged page costs this
 * read and nothing else. The LATERAL ... LIMIT 1 keeps it a probe of the
 * unique index per id: a plain join lets the planner hash the whole
 * collection on every page. The upsert re-checks the hash, so a concurrent
 * change between the two cannot be lost.
 */
export async function changedRecords(rt: Runtime, collectionId: string, records: BatchRecord[]): Promise<BatchRecord[]> {
  if (records.length === 0) return records;
  const { ids, hashes } = idsAndHashes(records);
  const differ = await rows<{ e: string }>(rt.db, sql`
    SELECT u.e FROM ROWS FROM (${textRows(ids)}, ${textRows(hashes)}) AS u(e, h)
    LEFT JOIN LATERAL (
      SELECT r.hash, r.deleted_at FROM records r WHERE r.collection_id = ${collectionId} AND r.external_id = u.e LIMIT 1
    ) r ON true
    WHERE r.hash IS DISTINCT FROM u.h OR r.deleted_at IS NOT NULL`);
  if (differ.length === 0) return [];
  if (differ.length === records.length) return records;
  const wanted = new Set(differ.map((d) => d.e));
  return records.filter((r) => wanted.has(r.externalId));
}

export interface PageWritten {
  stats: SyncStats;
  cancelRequested: boolean;
  /** Records sent to the upsert that it found unchanged (same hash, live) and left alone. */
  unchangedInUpsert: number;
}

/** Writes the pages; returns the stats after them and whether a cancel was requested. Throws LeaseLostError. */
export async function writePage(rt: Runtime, w: PageWrite): Promise<PageWritten> {
  return rt.db.transaction(async (tx) => {
    const upserts = w.records.length;
    const changes = upserts > 0 ? await upsertRecords(tx, w) : [];
    let created = 0;
    for (const c of changes) if (c.created) created++;
    const stats: SyncStats = {
      ...w.stats,
      pages: w.stats.pages + w.pages,
      fetched: w.stats.fetched + w.fetched,
      created: w.stats.created + created,
      updated: w.stats.updated + changes.length - created,
      unchanged: w.stats.unchanged + w.unchanged + upserts - changes.length,
      failed: w.stats.failed + w.errors.length,
    };

    if (w.full && (w.seenIds.length > 0 || w.reused.length > 0)) {
      const { runId, collectionId, mappingHash, reused } = w;
      await recordSeen(tx, { runId, collectionId, mappingHash, reused, pages: stats.pages, ids: w.seenIds });
    }

    if (w.digests.length > 0) await tx.execute(insertDigests(w.collectionId, w.mappingHash, w.digests));

    const room = Math.max(0, w.maxRecordErrors - w.stats.failed);
    if (room > 0 && w.errors.length > 0) {
      const kept = w.errors.slice(0, room).map((e) => ({ e: e.externalId, m: e.message }));
      await tx.execute(sql`
        INSERT INTO record_errors (run_id, external_id, message)
        SELECT ${w.runId}::uuid, x.e, x.m FROM jsonb_to_recordset(${JSON.stringify(kept)}::jsonb) AS x(e text, m text)`);
    }

    // The lease check: a worker that lost its run MUST NOT commit anything;
    // zero rows here rolls the whole page back.
    const [run] = await rows<{ cancel_requested: boolean }>(tx, sql`
      WITH u AS (
        UPDATE sync_runs SET
          checkpoint = ${w.checkpoint === null ? null : JSON.stringify(w.checkpoint)}::jsonb,
          max_cursor = ${w.maxCursor},
          pages = ${stats.pages}, requests = ${stats.requests}, retries = ${stats.retries},
          fetched = ${stats.fetched}, created = ${stats.created}, updated = ${stats.updated},
          unchanged = ${stats.unchanged}, failed = ${stats.failed},
          lease_expires_at = now() + ${w.leaseMs}::int * interval '1 millisecond'
        WHERE id = ${w.runId} AND lease_owner = ${w.instanceId} AND status = 'RUNNING'
        RETURNING cancel_requested
      )
      SELECT cancel_requested, pg_notify(${Channels.runProgress}, ${w.runId}) FROM u`);
    if (!run) throw new LeaseLostError(w.runId);

    if (changes.length > 0) await appendEvents(tx, w, changes);
    return { stats, cancelRequested: run.cancel_requested, unchangedInUpsert: upserts - changes.length };
  });
}

/**
 * One statement for the whole page, driven by the unique index. An unchanged
 * record (same hash, live) matches ON CONFLICT but fails its WHERE, so it is
 * not written at all: no new row version, no version bump, no event.
 * CREATED is an insert, or a record coming back from soft deletion, whose
 * created_at is reset: created_at = now() (the transaction's start) then
 * holds for exactly the rows this statement created. No join is involved,
 * so no plan can turn quadratic as the collection grows.
 */
function upsertRecords(tx: Tx, w: PageWrite): Promise<Change[]> {
  // Built only here, for the records that are written: an unchanged page never pays for it.
  let input = '[';
  for (let i = 0; i < w.records.length; i++) {
    const r = w.records[i]!;
    input += `${i ? ',' : ''}{"e":${JSON.stringify(r.externalId)},"h":"${r.hash}","d":${r.data}}`;
  }
  input += ']';
  return rows<Change>(tx, sql`
    INSERT INTO records AS r (collection_id, external_id, data, hash)
    SELECT ${w.collectionId}::uuid, v->>'e', v->'d', v->>'h' FROM jsonb_array_elements(${input}::jsonb) AS v
    ON CONFLICT (collection_id, external_id) DO UPDATE
      SET data = excluded.data, hash = excluded.hash, version = r.version + 1, updated_at = now(), deleted_at = NULL,
          created_at = CASE WHEN r.deleted_at IS NOT NULL THEN now() ELSE r.created_at END
      WHERE r.hash IS DISTINCT FROM excluded.hash OR r.deleted_at IS NOT NULL
    RETURNING r.external_id, r.created_at = now() AS created`);
}

/**
 * The events of the page, in page order, carrying the records as stored now.
 * Their data is read back from the rows just written (by id, in this
 * transaction) rather than sent a second time. Last in the transaction: see
 * EVENT_APPEND_LOCK.
 */
async function appendEvents(tx: Tx, w: PageWrite, changes: Change[]): Promise<void> {
  const created = new Map(changes.map((c) => [c.external_id, c.created]));
  const ids: string[] = [];
  const types: string[] = [];
  for (const record of w.records) {
    const c = created.get(record.externalId);
    if (c === undefined) continue;
    ids.push(record.externalId);
    types.push(c ? 'CREATED' : 'UPDATED');
  }
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${EVENT_APPEND_LOCK}::bigint), pg_notify(${Channels.events}, '')`);
  await tx.execute(sql`
    INSERT INTO record_events (type, collection_id, external_id, data, version, run_id)
    SELECT u.t, ${w.collectionId}::uuid, u.e, r.data, r.version, ${w.runId}::uuid
    FROM ROWS FROM (${textRows(ids)}, ${textRows(types)}) WITH ORDINALITY AS u(e, t, ord)
    CROSS JOIN LATERAL (
      SELECT r.data, r.version FROM records r WHERE r.collection_id = ${w.collectionId} AND r.external_id = u.e LIMIT 1
    ) r
    ORDER BY u.ord`);
}
