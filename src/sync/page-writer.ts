/**
 * Between mapped pages and their transactions (write-page.ts): decides what
 * each page costs the database, and keeps two pages moving at once.
 *
 * One read finds the records of a page that differ (changedRecords); a page
 * where nothing differs and nothing failed is not written at all. Its seen
 * ids, stats and checkpoint wait in memory and go with the next write: the
 * next page that changes something, or when FLUSH_MS or FLUSH_IDS is
 * reached, or the last page. A crash loses only that pending progress: the
 * run resumes at its last committed checkpoint and reads those pages again,
 * which are still unchanged, so the stats stay exact and delete detection
 * still sees every id. While pages come back all new or changed (a first
 * import), the read is skipped and pages go straight to the upsert, whose
 * hash guard does the same sorting (see `probing`). A page whose body a
 * run mapped before comes unmapped, with its digest: one check in the
 * database stands in for the read, and it is mapped only if that fails
 * (page-digests.ts).
 *
 * A page is read as soon as it is pushed, while the page before it may still
 * be in its transaction: safe, since the upsert checks hashes again, so a
 * record on both pages counts once. Writes happen one at a time, in order.
 */
import type { SyncStats } from '../domain';
import type { RequestCounters } from '../connectors/index';
import type { Runtime } from '../runtime';
import type { Interruption } from './execute-run';
import type { BatchRecord, PageBatch } from './page-batch';
import { stillStored, type KnownPage, type NewDigest } from './page-digests';
import { changedRecords, writePage } from './write-page';

/** Unchanged pages are committed together at least this often, so progress stays visible and a resume re-reads little. */
const FLUSH_MS = 1_000;
/** ...and before this many of their seen ids pile up in memory. */
const FLUSH_IDS = 20_000;
/** ...and before this many reused pages, whose seen ids the database fills in, pile up. */
const FLUSH_PAGES = 200;
/** Pages are read before they are written while at least this share of a page's records turns out unchanged. */
const PROBE_SHARE = 0.1;

export interface PageWriterRun {
  runId: string;
  collectionId: string;
  full: boolean;
  /** The mapping hash page digests are stored under (page-digests.ts). */
  mappingHash: string;
  stats: SyncStats;
  /** Checked after each write: a stop or a lost lease ends the run's work there. */
  interruption(): Interruption | null;
  /** Where the time went, added to as pages are read and written. */
  timings: { readMs: number; writeMs: number };
}

export interface PageEnd {
  fetched: number;
  checkpoint: unknown;
  maxCursor: string | null;
  counters: RequestCounters;
}

/**
 * A page as the writer takes it: mapped (with the digest to store, if any),
 * or known by its body's digest, with its ids and a way to map it should its
 * records no longer be stored as it maps them.
 */
export type PageInput =
  | { batch: PageBatch; digest: NewDigest | null }
  | { known: KnownPage; seenIds: string[]; map(): Promise<PageBatch> }
  /** Not parsed: its digest is current, its ids are taken from it in the database. */
  | { reused: KnownPage };

/** 'cancel' when the run must stop at this page boundary. */
type Outcome = 'cancel' | null;

export interface PageWriter {
  /** Stats of every page handed over, committed or pending. */
  readonly stats: SyncStats;
  /**
   * Takes a mapped page: starts reading which of its records changed, and
   * hands the page pushed before it to be written once the write before that
   * one is committed. Throws when the run must be handed back (stop, lost
   * lease) or a write failed.
   */
  push(page: PageInput, end: PageEnd): Promise<Outcome>;
  /** Paging is over: writes the page still being read and what is pending, the last as the end of paging (checkpoint null). */
  finish(end: Omit<PageEnd, 'fetched' | 'checkpoint'>): Promise<Outcome>;
  /** Paging failed: writes what was already read, so a failed run reports it and a resumed one skips it. Never throws. */
  salvage(): Promise<void>;
  /** Waits for whatever is still in flight. Never throws. */
  settled(): Promise<void>;
}

interface ReadPage {
  batch: PageBatch;
  /** The records that need writing (all of them when the page was not read first). */
  records: BatchRecord[];
  /** Records found unchanged by the read. */
  unchanged: number;
  digest: NewDigest | null;
  /** A reused page, whose seen ids come from its digest. */
  reused: KnownPage | null;
  end: PageEnd;
  /** Whether changedRecords sorted out the unchanged records; if not, the upsert does. */
  probed: boolean;
}

export function createPageWriter(rt: Runtime, run: PageWriterRun): PageWriter {
  const { timings } = run;
  let stats = run.stats;
  let pending = { pages: 0, fetched: 0, unchanged: 0, seenIds: [] as string[], digests: [] as NewDigest[], reused: [] as KnownPage[] };
  let lastWrite = performance.now();
  let reading: Promise<ReadPage> | null = null;
  let writing: Promise<{ cancelRequested: boolean }> | null = null;
  /**
   * Whether the next page is read before it is written. The read exists so
   * that an unchanged page costs no write; while pages turn out (nearly) all
   * new or changed, as in a first import, it is an index probe per record
   * for nothing, so pages are then written straight away. The upsert's own
   * hash guard leaves unchanged records unwritten all the same, and says how
   * many there were: reading resumes once that is PROBE_SHARE of a page.
   */
  let probing = true;
  const learn = (unchanged: number, total: number) => {
    if (total > 0) probing = unchanged >= total * PROBE_SHARE;
  };

  /** A page its digest found unchanged as a whole: nothing to write, its ids seen (from the digest when reused). */
  function unchangedPage(known: KnownPage, seenIds: string[], reused: KnownPage | null, end: PageEnd): ReadPage {
    learn(known.count, known.count);
    const quiet = { records: [], seenIds, errors: [] };
    return { batch: quiet, records: [], unchanged: known.count, digest: null, reused, end, probed: true };
  }

  async function read(page: PageInput, end: PageEnd): Promise<ReadPage> {
    if ('reused' in page) return unchangedPage(page.reused, [], page.reused, end);
    let batch: PageBatch;
    let digest: NewDigest | null = null;
    if ('known' in page) {
      const started = performance.now();
      const same = page.known.current || (await stillStored(rt, run.collectionId, run.mappingHash, page.known));
      timings.readMs += performance.now() - started;
      if (same) return unchangedPage(page.known, page.seenIds, null, end);
      // Something on the page changed since: most of it likely did not, so read before writing.
      batch = await page.map();
      probing = true;
    } else {
      ({ batch, digest } = page);
    }
    if (!probing) return { batch, records: batch.records, unchanged: 0, digest, reused: null, end, probed: false };
    const started = performance.now();
    const records = await changedRecords(rt, run.collectionId, batch.records);
    timings.readMs += performance.now() - started;
    const unchanged = batch.records.length - records.length;
    learn(unchanged, batch.records.length);
    return { batch, records, unchanged, digest, reused: null, end, probed: true };
  }

  async function commit(records: BatchRecord[], errors: PageBatch['errors'], end: Omit<PageEnd, 'fetched'>, probed = true) {
    const started = performance.now();
    const written = await writePage(rt, {
      runId: run.runId,
      collectionId: run.collectionId,
      instanceId: rt.instanceId,
      leaseMs: rt.config.runLeaseMs,
      full: run.full,
      records,
      errors,
      seenIds: pending.seenIds,
      digests: pending.digests,
      reused: pending.reused,
      mappingHash: run.mappingHash,
      checkpoint: end.checkpoint,
      maxCursor: end.maxCursor,
      stats: { ...stats, requests: end.counters.requests, retries: end.counters.retries },
      pages: pending.pages,
      fetched: pending.fetched,
      unchanged: pending.unchanged,
      maxRecordErrors: rt.config.maxRecordErrors,
    });
    stats = written.stats;
    if (!probed) learn(written.unchangedInUpsert, records.length);
    pending = { pages: 0, fetched: 0, unchanged: 0, seenIds: [], digests: [], reused: [] };
    lastWrite = performance.now();
    timings.writeMs += lastWrite - started;
    return written;
  }

  /** Adds a read page to what is pending; commits when it changed something or a flush is due. */
  async function accept({ batch, records, unchanged, digest, reused, end, probed }: ReadPage): Promise<{ cancelRequested: boolean }> {
    pending.pages++;
    pending.fetched += end.fetched;
    pending.unchanged += unchanged;
    if (run.full) for (const id of batch.seenIds) pending.seenIds.push(id);
    if (digest) pending.digests.push(digest);
    if (reused && run.full) pending.reused.push(reused);
    const quiet = records.length === 0 && batch.errors.length === 0;
    const due = end.checkpoint === null || pending.seenIds.length >= FLUSH_IDS || pending.reused.length >= FLUSH_PAGES || performance.now() - lastWrite >= FLUSH_MS;
    if (quiet && !due) return { cancelRequested: false };
    return commit(records, batch.errors, end, probed);
  }

  /** Waits for the write in flight, then checks whether the run goes on. */
  async function settle(): Promise<Outcome> {
    if (!writing) return null;
    const written = await writing;
    writing = null;
    const why = run.interruption();
    if (why === 'stop' || why === 'lease-lost') throw new Error(`interrupted: ${why}`);
    return written.cancelRequested || why === 'cancel' ? 'cancel' : null;
  }

  /** Hands a read page to be written after the write in flight. */
  async function hand(page: Promise<ReadPage> | null): Promise<Outcome> {
    if (!page) return null;
    const readPage = await page;
    if ((await settle()) === 'cancel') return 'cancel';
    writing = accept(readPage);
    writing.catch(() => {});
    return null;
  }

  /** Writes the page being read and waits for every write. */
  async function drain(): Promise<Outcome> {
    const last = reading;
    reading = null;
    if ((await hand(last)) === 'cancel') return 'cancel';
    return settle();
  }

  return {
    get stats() {
      if (pending.pages === 0) return stats;
      return {
        ...stats,
        pages: stats.pages + pending.pages,
        fetched: stats.fetched + pending.fetched,
        unchanged: stats.unchanged + pending.unchanged,
      };
    },
    push(page, end) {
      const previous = reading;
      reading = read(page, end);
      reading.catch(() => {});
      return hand(previous);
    },
    async finish(end) {
      if ((await drain()) === 'cancel') return 'cancel';
      if (pending.pages > 0) await commit([], [], { ...end, checkpoint: null });
      return null;
    },
    async salvage() {
      await drain().catch(() => {});
    },
    async settled() {
      await reading?.catch(() => {});
      await writing?.catch(() => {});
    },
  };
}
