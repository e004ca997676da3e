/**
 * A fetched page becomes what its transaction writes, all in Node and with no
 * query: each raw record is mapped and hashed, duplicates within the page
 * collapse (the last one wins and counts once), records that cannot be
 * stored become record errors. Each record is serialized once, to the
 * canonical JSON its hash is taken of and which the upsert stores.
 */
import type { RawItem } from '../connectors/index';
import type { CompiledMapping } from '../mapping/index';
import { canonicalJson, contentHash } from './hash';
import type { CursorTracker } from './watermark';

export interface PageBatch {
  /** One per distinct external id that maps, in page order. */
  records: BatchRecord[];
  /** Every external id of the page, stored or failed: a record that exists upstream is not deleted. */
  seenIds: string[];
  errors: Array<{ externalId: string | null; message: string }>;
}

export interface BatchRecord {
  externalId: string;
  hash: string;
  /** The mapped record as canonical JSON (what the hash is of, and what is stored). */
  data: string;
}

type Entry = { ok: true; hash: string; data: string } | { ok: false; message: string };

const SLICE = 200;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function buildPageBatch(items: RawItem[], map: CompiledMapping, idPath: string, cursor: CursorTracker | null): Promise<PageBatch> {
  const byId = new Map<string, Entry>();
  const errors: PageBatch['errors'] = [];
  for (let i = 0; i < items.length; i++) {
    // Mapping a page takes ~10 ms of CPU; in one turn it would keep the
    // event loop from reading the next page off its socket, and the upstream
    // then stalls on a full buffer: let the loop in every SLICE records.
    if (i > 0 && i % SLICE === 0) await yieldToEventLoop();
    const { externalId, raw } = items[i]!;
    cursor?.see(raw);
    if (externalId === null) {
      errors.push({ externalId: null, message: `record has no external id at ${idPath} (a non-empty string or a number is needed)` });
      continue;
    }
    const mapped = map(raw);
    let entry: Entry;
    if (!mapped.ok) entry = { ok: false, message: mapped.error };
    else {
      const canonical = canonicalJson(mapped.data);
      const hash = contentHash(canonical);
      // jsonb cannot hold U+0000; one such record must not fail the whole page.
      entry = canonical.includes('\\u0000')
        ? { ok: false, message: 'record contains a NUL character (\\u0000), which PostgreSQL cannot store in jsonb' }
        : { ok: true, hash, data: canonical };
    }
    // Delete first so the Map's order is that of the last occurrence.
    byId.delete(externalId);
    byId.set(externalId, entry);
  }

  const records: PageBatch['records'] = [];
  for (const [externalId, entry] of byId) {
    if (entry.ok) records.push({ externalId, hash: entry.hash, data: entry.data });
    else errors.push({ externalId, message: entry.message });
  }
  return {
    records,
    seenIds: [...byId.keys()],
    errors,
  };
}
