/**
 * Carries out one claimed run: pages from the connector engine, each mapped
 * here and handed to the page writer (page-writer.ts), which reads what
 * changed and writes it, then the ending (finish.ts). Fetching, mapping,
 * reading and writing overlap, one page at each stage, so the API, this
 * process and the database work at the same time; memory holds those few
 * pages. A full run skips mapping pages whose body it has mapped before
 * (page-digests.ts). A resumed run starts at its checkpoint with its saved
 * stats.
 */
import { findCollection, collectionConfig } from '../catalog/collections';
import { findSource, sourceConfig } from '../catalog/sources';
import { fetchPages, type Page, type RequestCounters } from '../connectors/index';
import type { SyncStats } from '../domain';
import { compileMappingToJson, type CompiledJsonMapping } from '../mapping/index';
import type { Runtime } from '../runtime';
import { abandonRun, succeedRun, type Ending } from './finish';
import { buildPageBatch } from './page-batch';
import { MAX_ATTEMPTS, releaseRun, saveSinceValue } from './queue';
import { runStats, type RunRow } from './runs';
import { refreshStatistics } from './statistics';
import { CursorTracker, sinceValue } from './watermark';
import { loadPageDigests, mappingHash, type PageDigests } from './page-digests';
import { createPageWriter, type PageInput } from './page-writer';
import { LeaseLostError } from './write-page';

/** Why a run's work was interrupted from outside: the worker is stopping, another instance took the run, or a cancel was asked for. */
export type Interruption = 'stop' | 'lease-lost' | 'cancel';

export interface RunControl {
  /** Aborts in-flight fetches (never a database write in progress). */
  signal: AbortSignal;
  interruption(): Interruption | null;
}

/**
 * Where this process spent a run's time, in ms, for the run's log line:
 * waiting for pages (fetch not yet done), mapping them, reading which
 * records changed, writing, and ending the run (delete detection).
 */
export interface RunTimings {
  waitMs: number;
  mapMs: number;
  readMs: number;
  writeMs: number;
  endMs: number;
}

/** How this attempt took its pages (page-digests.ts), for the run's log line. */
interface PageKinds {
  /** Not parsed: a body whose digest was current. */
  reused: number;
  /** Parsed, not mapped unless its records had changed: a known body. */
  known: number;
  mapped: number;
}

interface Progress {
  stats: SyncStats;
  timings: RunTimings;
  pageKinds: PageKinds;
}

/** Never throws: every outcome ends in the run's row and the log. */
export async function executeRun(rt: Runtime, run: RunRow, ctl: RunControl): Promise<void> {
  const log = rt.log.child({ runId: run.id, collectionId: run.collectionId, mode: run.mode });
  log.info({ attempt: run.attempts, resumedAtPage: run.pages || undefined }, 'run started');
  const progress: Progress = {
    stats: runStats(run),
    timings: { waitMs: 0, mapMs: 0, readMs: 0, writeMs: 0, endMs: 0 },
    pageKinds: { reused: 0, known: 0, mapped: 0 },
  };
  let ending: Ending | null;
  try {
    ending = await drive(rt, run, ctl, progress);
  } catch (err) {
    const why = err instanceof LeaseLostError ? 'lease-lost' : ctl.interruption();
    if (why === 'lease-lost') {
      log.warn('run lease lost; another instance carries it on');
      return;
    }
    if (why === 'stop') {
      await releaseRun(rt, run.id).catch((e: unknown) => log.error({ err: e }, 'could not release the run'));
      log.info('run released at shutdown; it resumes from its checkpoint');
      return;
    }
    ending = why === 'cancel' ? { status: 'CANCELLED' } : { status: 'FAILED', error: messageOf(err) };
    try {
      ending = await abandonRun(rt, run.id, ending, progress.stats);
    } catch (e) {
      log.error({ err: e }, 'could not record the end of the run; its lease will run out and it will be retried');
      return;
    }
  }
  if (!ending) return;
  const stats = ending.status === 'SUCCEEDED' ? { ...progress.stats, deleted: ending.deleted } : progress.stats;
  const timings = Object.fromEntries(Object.entries(progress.timings).map(([k, v]) => [k, Math.round(v)]));
  if (ending.status === 'SUCCEEDED') {
    log.info({ stats, timings, pageKinds: progress.pageKinds }, 'run succeeded');
    // Not awaited: the statistics are for the runs and queries after this one.
    void refreshStatistics(rt, stats.created + stats.updated + stats.deleted);
  }
  else if (ending.status === 'FAILED') log.error({ error: ending.error, stats }, 'run failed');
  else log.info({ stats }, 'run cancelled');
}

/** Returns the ending, or null when the run was handed back (stop). Throws on failure. */
async function drive(rt: Runtime, run: RunRow, ctl: RunControl, progress: Progress): Promise<Ending | null> {
  const { timings } = progress;
  if (run.attempts > MAX_ATTEMPTS) {
    return abandonRun(rt, run.id, {
      status: 'FAILED',
      error: `gave up after ${run.attempts - 1} attempts: the instances working on this run kept stopping without finishing it (crash or lost lease)`,
    });
  }
  if (run.cancelRequested) return abandonRun(rt, run.id, { status: 'CANCELLED' });
  const collectionRow = await findCollection(rt, run.collectionId);
  if (!collectionRow) throw new Error('the collection no longer exists');
  const sourceRow = await findSource(rt, collectionRow.sourceId);
  if (!sourceRow) throw new Error('the source no longer exists');
  const collection = collectionConfig(collectionRow);
  const source = sourceConfig(rt, sourceRow);
  const full = run.mode === 'FULL';
  const { incremental } = collection;
  if (!full && !incremental) throw new Error('INCREMENTAL run, but the collection no longer has an incremental config');

  let since = run.sinceValue;
  if (!full && run.pages === 0) {
    since = sinceValue(incremental!, collectionRow.watermark);
    if (!(await saveSinceValue(rt, run.id, since))) throw new LeaseLostError(run.id);
  }
  const extraQuery = !full && since !== null ? { [incremental!.sinceParam]: since } : undefined;
  const toJson = compileMappingToJson(collection.mapping);
  const cursor = incremental ? new CursorTracker(incremental, run.maxCursor) : null;
  const counters: RequestCounters = { requests: run.requests, retries: run.retries };
  // Incremental pages are seldom met twice; only full runs use digests.
  const digests = full ? await loadPageDigests(rt, collection) : null;

  // Every page before a null checkpoint is committed: paging is done, only the ending is left.
  const pagingDone = run.pages > 0 && run.checkpoint === null;
  if (!pagingDone) {
    const local = new AbortController();
    const onAbort = () => local.abort();
    ctl.signal.addEventListener('abort', onAbort, { once: true });
    const pages = fetchPages(source, collection, {
      from: run.checkpoint as Page['next'],
      extraQuery,
      counters,
      signal: local.signal,
      reuse: digests ? (bodyHash) => digests.reusable(bodyHash) : undefined,
    });
    const writer = createPageWriter(rt, {
      runId: run.id,
      collectionId: run.collectionId,
      full,
      mappingHash: digests?.mappingHash ?? mappingHash(collection),
      stats: progress.stats,
      interruption: () => ctl.interruption(),
      timings,
    });
    const cancelled = () => abandonRun(rt, run.id, { status: 'CANCELLED' }, writer.stats);
    // Pages in flight, each at its own stage: the next PREFETCH being
    // fetched, this one being mapped, and in the writer the one before being
    // read (which of its records changed) and the one before that written.
    const pending = Array.from({ length: PREFETCH }, () => prefetch(pages));
    try {
      for (;;) {
        const waited = performance.now();
        let next: IteratorResult<Page, void>;
        try {
          next = await pending.shift()!;
        } catch (err) {
          await writer.salvage();
          throw err;
        }
        timings.waitMs += performance.now() - waited;
        if (next.done) {
          if ((await writer.finish({ maxCursor: cursor?.value ?? null, counters })) === 'cancel') return cancelled();
          break;
        }
        pending.push(prefetch(pages));
        const page = next.value;
        const mapped = performance.now();
        const input = await pageInput(page, { digests, toJson, idPath: collection.idPath, cursor });
        timings.mapMs += performance.now() - mapped;
        progress.pageKinds['reused' in input ? 'reused' : 'known' in input ? 'known' : 'mapped']++;
        const end = { fetched: page.size, checkpoint: page.next, maxCursor: cursor?.value ?? null, counters };
        if ((await writer.push(input, end)) === 'cancel') return cancelled();
      }
    } finally {
      // A prefetch may be in flight: abort it, let it settle, then close the generator (releasing its client).
      local.abort();
      ctl.signal.removeEventListener('abort', onAbort);
      // Reads and a write may be in flight too: their pages count in the stats a failed run reports.
      await writer.settled();
      progress.stats = writer.stats;
      await Promise.allSettled(pending);
      await pages.return(undefined).catch(() => {});
    }
  }
  const ending = performance.now();
  try {
    return await succeedRun(rt, {
      runId: run.id,
      collectionId: run.collectionId,
      full,
      incremental,
      maxCursor: cursor?.value ?? run.maxCursor,
      // A resumed attempt did not meet the pages before its checkpoint: it leaves the digests alone.
      digests:
        digests && run.pages === 0 && !pagingDone
          ? { runId: run.id, collectionId: run.collectionId, met: digests.met, newestEvent: digests.newestEvent }
          : null,
    });
  } finally {
    timings.endMs += performance.now() - ending;
  }
}

interface PageMapping {
  digests: PageDigests | null;
  toJson: CompiledJsonMapping;
  idPath: string;
  cursor: CursorTracker | null;
}

/**
 * What the writer gets for a page (page-digests.ts): a body reused without
 * parsing, whose digest is current; a known body, mapped only if its stored
 * records turn out to differ; or a page mapped here, with the digest to
 * remember (full runs).
 */
async function pageInput(page: Page, m: PageMapping): Promise<PageInput> {
  const { digests, cursor } = m;
  const known = digests?.known(page.bodyHash);
  if (page.reused) {
    if (!known?.reuse) throw new Error(`page ${page.url}: reused a body the run does not know`);
    cursor?.seeValue(known.reuse.maxCursor);
    return { reused: known };
  }
  if (known) {
    let seenIds: string[] = [];
    for (const item of page.items) {
      cursor?.see(item.raw);
      if (item.externalId !== null) seenIds.push(item.externalId);
    }
    // Once per page, as a mapped page lists them (page-digests.ts looks for ids on two pages).
    if (seenIds.length > known.count) seenIds = [...new Set(seenIds)];
    return { known, seenIds, map: () => buildPageBatch(page.items, m.toJson, m.idPath, null) };
  }
  // A digest keeps its page's own largest cursor.
  const pageCursor = cursor && digests ? cursor.fresh() : cursor;
  const batch = await buildPageBatch(page.items, m.toJson, m.idPath, pageCursor);
  if (pageCursor && pageCursor !== cursor) cursor!.absorb(pageCursor);
  const shape = { skeleton: page.skeleton, size: page.size, maxCursor: pageCursor?.value ?? null };
  return { batch, digest: digests?.remember(page.bodyHash, batch, shape) ?? null };
}

/**
 * Pages fetched ahead of the one being mapped. Two, not one: the API answers
 * while this process is busy mapping, and the page after next is then
 * already on its way when the next one is taken.
 */
const PREFETCH = 2;

/** The generator's next page, already marked handled so a failure during the current write is not an unhandled rejection. */
function prefetch(pages: AsyncGenerator<Page, void, undefined>): Promise<IteratorResult<Page, void>> {
  const p = pages.next();
  p.catch(() => {});
  return p;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
