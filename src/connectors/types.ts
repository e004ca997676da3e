/**
 * What the connector engine gives the rest of the system: a source and a
 * collection become an async stream of pages, one page in memory at a time.
 * The sync engine (sync/) is the main consumer; the admin preview another.
 */

/**
 * Where paging stands, saved with each page's transaction so that a run can
 * resume after a crash. Opaque to everything but the paginator that made it;
 * must be plain JSON.
 */
export type PageCheckpoint = Record<string, unknown>;

export interface RawItem {
  /** The record's external id (numbers become strings); null when the record has none at idPath. */
  externalId: string | null;
  raw: unknown;
}

export interface Page {
  /** The page's records; none when the body was reused (see FetchOptions.reuse). */
  items: RawItem[];
  /** How many records the page holds: items.length, or as many as the reused body has. */
  size: number;
  /** The body was not parsed: FetchOptions.reuse knew it. */
  reused: boolean;
  /** The body without its records, as JSON text (connectors/skeleton.ts), for a later reuse. */
  skeleton(): string;
  /** The request state for the page after this one; null on the last page. */
  next: PageCheckpoint | null;
  /** The URL this page came from (secrets in the query masked). */
  url: string;
  /** SHA-256 (hex) of the response body: equal bodies hold equal records. */
  bodyHash: string;
}

/** Counters the engine increments as it goes; the sync engine persists them. */
export interface RequestCounters {
  requests: number;
  retries: number;
}

export interface FetchOptions {
  /** Resume from a saved checkpoint instead of the first page. */
  from?: PageCheckpoint | null;
  /** Added to the query of every page request (e.g. the incremental since-parameter). */
  extraQuery?: Record<string, string>;
  counters?: RequestCounters;
  /** Aborts in-flight requests and backoff waits. */
  signal?: AbortSignal;
  /**
   * Given a page body's hash, the skeleton of that body (fleshed out, see
   * connectors/skeleton.ts) when the caller knows it and does not need its
   * records: the body is then neither decoded nor parsed.
   */
  reuse?: (bodyHash: string) => unknown;
}
