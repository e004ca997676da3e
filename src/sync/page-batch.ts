/**
 * A fetched page becomes what its transaction writes, all in Node and with no
 * query: each raw record is mapped and hashed, duplicates within the page
 * collapse (the last one wins and counts once), records that cannot be
 * stored become record errors. Each record is serialized once, to the
 * canonical JSON its hash is taken of and which the upsert stores.
 */
import type { RawItem } from '../connectors/index';
import type { CompiledJsonMapping } from '../mapping/index';
import { contentHash } from './hash';
import type { CursorTracker } from './watermark';

export interface PageBatch {
  /** One per distinct external id that maps, in page order. */
  records: BatchRecord[];
  /** Every external id of the page, stored or failed: a record that exists upstream is not deleted. */
  seenIds: string[];
  errors: RecordError[];
}

export interface BatchRecord {
  externalId: string;
  hash: string;
  /** The mapped record as canonical JSON (what the hash is of, and what is stored). */
  data: string;
}

interface RecordError {
  externalId: string | null;
  message: string;
}

/** A batch's external ids and hashes as two lists, in batch order: what the database is sent to compare them. */
export function idsAndHashes(records: BatchRecord[]): { ids: string[]; hashes: string[] } {
  const ids = new Array<string>(records.length);
  const hashes = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    ids[i] = records[i]!.externalId;
    hashes[i] = records[i]!.hash;
  }
  return { ids, hashes };
}

const SLICE = 200;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function buildPageBatch(items: RawItem[], toJson: CompiledJsonMapping, idPath: string, cursor: CursorTracker | null): Promise<PageBatch> {
  // One entry per record with an id, in page order; an id seen again
  // supersedes its earlier entry (null), so the last one wins and counts once.
  const entries: Array<BatchRecord | RecordError | null> = [];
  const entryOf = new Map<string, number>();
  const errors: RecordError[] = [];
  let superseded = 0;
  for (let i = 0; i < items.length; i++) {
    // Mapping a page takes several ms of CPU; in one turn it would keep the
    // event loop from reading the next page off its socket, and the upstream
    // then stalls on a full buffer: let the loop in every SLICE records.
    if (i > 0 && i % SLICE === 0) await yieldToEventLoop();
    const { externalId, raw } = items[i]!;
    cursor?.see(raw);
    if (externalId === null) {
      errors.push({ externalId: null, message: `record has no external id at ${idPath} (a non-empty string or a number is needed)` });
      continue;
    }
    const mapped = toJson(raw);
    let entry: BatchRecord | RecordError;
    if (!mapped.ok) entry = { externalId, message: mapped.error };
    // jsonb cannot hold U+0000; one such record must not fail the whole page.
    else if (mapped.json.includes('\\u0000')) entry = { externalId, message: 'record contains a NUL character (\\u0000), which PostgreSQL cannot store in jsonb' };
    else entry = { externalId, hash: contentHash(mapped.json), data: mapped.json };
    const earlier = entryOf.get(externalId);
    if (earlier !== undefined) {
      entries[earlier] = null;
      superseded++;
    }
    entryOf.set(externalId, entries.length);
    entries.push(entry);
  }

  const records: BatchRecord[] = [];
  const seenIds = new Array<string>(entries.length - superseded);
  let seen = 0;
  for (const entry of entries) {
    if (entry === null) continue;
    seenIds[seen++] = entry.externalId!;
    if ('hash' in entry) records.push(entry);
    else errors.push(entry);
  }
  return { records, seenIds, errors };
}
