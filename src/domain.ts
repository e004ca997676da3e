/**
 * The domain model every part of the flow shares: a source's and a
 * collection's configuration once validated, with defaults filled in and
 * secrets unsealed. The database stores it (db/), the admin API writes it
 * (catalog/), the connector engine reads it (connectors/, mapping/).
 */

export const AUTH_TYPES = ['NONE', 'API_KEY', 'BASIC', 'BEARER', 'OAUTH2_CLIENT_CREDENTIALS'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export type AuthConfig =
  | { type: 'NONE' }
  | { type: 'API_KEY'; location: 'HEADER' | 'QUERY'; name: string; key: string }
  | { type: 'BASIC'; username: string; password: string }
  | { type: 'BEARER'; token: string }
  | {
      type: 'OAUTH2_CLIENT_CREDENTIALS';
      /** Absolute, or relative to the source's baseUrl. */
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      scope?: string;
    };

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** First backoff step in milliseconds; doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** Upper bound of one wait in milliseconds, Retry-After included. */
  maxDelayMs: number;
}

/** At most `requests` requests in any window of `perSeconds` seconds. */
export interface RateLimit {
  requests: number;
  perSeconds: number;
}

export interface SourceConfig {
  id: string;
  name: string;
  baseUrl: string;
  auth: AuthConfig;
  /** Sent on every request. */
  headers: Record<string, string>;
  /** Covers connect, response headers and body of one attempt. */
  timeoutMs: number;
  retry: RetryPolicy;
  rateLimit: RateLimit | null;
  /** Changes whenever the config changes; lets caches (dispatchers, tokens) notice. */
  updatedAt: Date;
}

export const PAGINATION_TYPES = ['NONE', 'OFFSET', 'PAGE', 'CURSOR', 'NEXT_URL', 'LINK_HEADER'] as const;
export type PaginationType = (typeof PAGINATION_TYPES)[number];

/** `pageSize`/`limitParam`, where given, are sent on every page request. */
interface PageSizing {
  pageSize?: number;
  limitParam?: string;
}

export type PaginationConfig =
  | { type: 'NONE' }
  | ({ type: 'OFFSET'; offsetParam: string; limitParam: string; pageSize: number })
  | ({ type: 'PAGE'; pageParam: string; startPage: number; totalPagesPath?: string } & PageSizing)
  | ({
      type: 'CURSOR';
      cursorParam: string;
      /** In the response body, or in the last record with cursorFromLastRecord. */
      cursorPath: string;
      cursorFromLastRecord: boolean;
      hasMorePath?: string;
    } & PageSizing)
  | ({ type: 'NEXT_URL'; nextUrlPath: string } & PageSizing)
  | ({ type: 'LINK_HEADER' } & PageSizing);

export const WATERMARK_FORMATS = ['ISO8601', 'UNIX_SECONDS', 'UNIX_MILLIS'] as const;
export type WatermarkFormat = (typeof WATERMARK_FORMATS)[number];

export interface IncrementalConfig {
  sinceParam: string;
  /** JSONPath in each raw record of its last-modified value. */
  cursorPath: string;
  format: WatermarkFormat;
  lookbackSeconds: number;
}

export const FIELD_TYPES = ['TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME', 'JSON'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** ISO8601 also accepts RFC 2822 dates. */
export const DATE_FORMATS = ['ISO8601', 'RFC2822', 'UNIX_SECONDS', 'UNIX_MILLIS'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export interface MappedField {
  name: string;
  /** JSONPath into the raw record. */
  path: string;
  type: FieldType;
  format?: DateFormat;
}

export type JsonScalar = string | number | boolean;

export interface CollectionConfig {
  id: string;
  sourceId: string;
  name: string;
  method: string;
  /** Relative to the source's baseUrl; may hold {placeholders} filled from pathParams. */
  path: string;
  pathParams: Record<string, JsonScalar>;
  /** Values are strings, numbers, booleans, or arrays of them (repeated parameters). */
  query: Record<string, JsonScalar | JsonScalar[]>;
  headers: Record<string, string>;
  body: unknown;
  /** JSONPath to the records array in a response body; `$` when the body is the array. */
  dataPath: string;
  /** JSONPath to each raw record's external id. */
  idPath: string;
  pagination: PaginationConfig;
  incremental: IncrementalConfig | null;
  schedule: string | null;
  /** Null: records are stored raw. */
  mapping: MappedField[] | null;
  updatedAt: Date;
}

export const SYNC_MODES = ['FULL', 'INCREMENTAL'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

export const SYNC_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export const RECORD_EVENT_TYPES = ['CREATED', 'UPDATED', 'DELETED'] as const;
export type RecordEventType = (typeof RECORD_EVENT_TYPES)[number];

export interface SyncStats {
  pages: number;
  requests: number;
  retries: number;
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  failed: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000 };
