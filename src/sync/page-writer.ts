/**
 * Between fetched pages and their transactions (write-page.ts): decides what
 * each page costs the database. One read finds the records that differ
 * (changedRecords); a page where nothing differs and nothing failed is not
 * written at all. Its seen ids, stats and checkpoint wait in memory and go
 * with the next write: the next page that changes something, or when
 * FLUSH_MS or FLUSH_IDS is reached, or the last page. A crash loses only that
 * pending progress: the run resumes at its last committed checkpoint and
 * reads those pages again, which are still unchanged, so the stats stay
 * exact and delete detection still sees every id.
 */
import type { SyncStats } from '../domain';
import type { RequestCounters } from '../connectors/index';
import type { Runtime } from '../runtime';
import type { RunTimings } from './execute-run';
import type { PageBatch } from './page-batch';
import { changedRecords, writePage } from './write-page';

/** Unchanged pages are committed together at least this often, so progress stays visible and a resume re-reads little. */
const FLUSH_MS = 1_000;
/** ...and before this many of their seen ids pile up in memory. */
const FLUSH_IDS = 20_000;

export interface PageWriterRun {
  runId: string;
  collectionId: string;
  full: boolean;
  stats: SyncStats;
}

export interface PageWriter {
  /** Stats of every page taken, committed or pending. */
  readonly stats: SyncStats;
  /** Finds the records of a page that need writing (one read, no write). */
  prepare(batch: PageBatch): Promise<PreparedPage>;
  /** Takes one prepared page, one at a time; answers whether a cancel was requested (known only when it wrote). */
  add(page: PreparedPage, end: PageEnd): Promise<{ cancelRequested: boolean }>;
  /** Commits what is pending as the end of paging (checkpoint null); call when the pages run out. */
  finish(page: Omit<PageEnd, 'fetched' | 'checkpoint'>): Promise<void>;
}

export interface PreparedPage {
  batch: PageBatch;
  records: PageBatch['records'];
}

export interface PageEnd {
  fetched: number;
  checkpoint: unknown;
  maxCursor: string | null;
  counters: RequestCounters;
}

export function createPageWriter(rt: Runtime, run: PageWriterRun, timings: Pick<RunTimings, 'readMs' | 'writeMs'>): PageWriter {
  let stats = run.stats;
  let pending = { pages: 0, fetched: 0, unchanged: 0, seenIds: [] as string[] };
  let lastWrite = performance.now();

  async function write(batch: Pick<PageBatch, 'errors'>, records: PageBatch['records'], page: Omit<PageEnd, 'fetched'>) {
    const started = performance.now();
    const written = await writePage(rt, {
      runId: run.runId,
      collectionId: run.collectionId,
      instanceId: rt.instanceId,
      leaseMs: rt.config.runLeaseMs,
      full: run.full,
      records,
      errors: batch.errors,
      seenIds: pending.seenIds,
      checkpoint: page.checkpoint,
      maxCursor: page.maxCursor,
      stats: { ...stats, requests: page.counters.requests, retries: page.counters.retries },
      pages: pending.pages,
      fetched: pending.fetched,
      unchanged: pending.unchanged,
      maxRecordErrors: rt.config.maxRecordErrors,
    });
    stats = written.stats;
    pending = { pages: 0, fetched: 0, unchanged: 0, seenIds: [] };
    lastWrite = performance.now();
    timings.writeMs += lastWrite - started;
    return written;
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
    async prepare(batch) {
      const read = performance.now();
      const records = await changedRecords(rt, run.collectionId, batch.records);
      timings.readMs += performance.now() - read;
      return { batch, records };
    },
    async add({ batch, records }, page) {
      pending.pages++;
      pending.fetched += page.fetched;
      pending.unchanged += batch.records.length - records.length;
      if (run.full) for (const id of batch.seenIds) pending.seenIds.push(id);
      const quiet = records.length === 0 && batch.errors.length === 0;
      const due = page.checkpoint === null || pending.seenIds.length >= FLUSH_IDS || performance.now() - lastWrite >= FLUSH_MS;
      if (quiet && !due) return { cancelRequested: false };

      const written = await write(batch, records, page);
      return { cancelRequested: written.cancelRequested };
    },
    async finish(page) {
      if (pending.pages > 0) await write({ errors: [] }, [], { ...page, checkpoint: null });
    },
  };
}
