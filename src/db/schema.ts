import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The whole storage model. Changing it means `npm run db:generate`, which
 * writes a migration into drizzle/ that both PGlite and PostgreSQL apply.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** Gateway-wide settings, e.g. the admin token's hash when none is configured. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const sources = pgTable('sources', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  baseUrl: text('base_url').notNull(),
  authType: text('auth_type').notNull(),
  /**
   * Sealed (secrets/) JSON of `{ auth, headers }`: auth configs hold keys and
   * passwords, and custom headers often do too, so neither is ever plain.
   */
  credentials: text('credentials').notNull(),
  /** Names only, so the API can show which custom headers are set. */
  headerNames: text('header_names').array().notNull().default(sql`'{}'`),
  timeoutMs: integer('timeout_ms').notNull(),
  retry: jsonb('retry').notNull(),
  rateLimit: jsonb('rate_limit'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const collections = pgTable(
  'collections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    pathParams: jsonb('path_params').notNull(),
    query: jsonb('query').notNull(),
    headers: jsonb('headers').notNull(),
    body: jsonb('body'),
    dataPath: text('data_path').notNull(),
    idPath: text('id_path').notNull(),
    pagination: jsonb('pagination').notNull(),
    incremental: jsonb('incremental'),
    schedule: text('schedule'),
    mapping: jsonb('mapping'),
    /** Largest incremental cursor value of the successful runs so far. */
    watermark: text('watermark'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('collections_source_name').on(t.sourceId, t.name)],
);

export const records = pgTable(
  'records',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    data: jsonb('data').notNull(),
    /** Hash of the mapped data: equal hash, unchanged record, no write. */
    hash: text('hash').notNull(),
    version: integer('version').notNull().default(1),
    /** The last full run that saw the record; delete detection compares it. */
    seenRunId: uuid('seen_run_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('records_collection_external').on(t.collectionId, t.externalId),
    /**
     * A collection's records in id order: the bounds of a records page (the
     * collection's first and last id, see records/query.ts) and live counts
     * (deleted_at rides along, so they are index-only). A btree on two
     * columns costs imports next to nothing; a GIN index on data, which
     * would serve rare `filter` values, more than doubled the insert time
     * and is not kept (see the commit that added this index).
     */
    index('records_collection_id').on(t.collectionId, t.id, t.deletedAt),
  ],
);

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    mode: text('mode').notNull(),
    status: text('status').notNull(),
    /** MANUAL (startSync) or SCHEDULE. */
    trigger: text('trigger').notNull().default('MANUAL'),
    pages: integer('pages').notNull().default(0),
    requests: integer('requests').notNull().default(0),
    retries: integer('retries').notNull().default(0),
    fetched: integer('fetched').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    /** Paging position after the last committed page; a resumed run starts there. */
    checkpoint: jsonb('checkpoint'),
    /** The since-value this run asked with, and the largest cursor value it saw. */
    sinceValue: text('since_value'),
    maxCursor: text('max_cursor'),
    error: text('error'),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    // The database, not the application, guarantees one active run per collection.
    uniqueIndex('sync_runs_one_active')
      .on(t.collectionId)
      .where(sql`status in ('QUEUED', 'RUNNING')`),
    index('sync_runs_collection_created').on(t.collectionId, t.createdAt),
    index('sync_runs_claimable').on(t.status, t.createdAt),
  ],
);

/**
 * The external ids a full run has seen, one row per committed page, written
 * in that page's transaction: a run resumed after a crash still knows what it
 * saw before, and unchanged records are never rewritten just to be marked
 * seen. Delete detection anti-joins records against it; rows go when the run ends.
 */
export const syncRunSeen = pgTable(
  'sync_run_seen',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => syncRuns.id, { onDelete: 'cascade' }),
    page: integer('page').notNull(),
    externalIds: text('external_ids').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.page] })],
);

/**
 * What a page body maps to, remembered per collection so that a full run
 * meeting the same bytes again need not map and hash its records: the
 * distinct external ids the body maps to, in page order, and `digest`, the
 * md5 of their content hashes joined by commas. A pure function of the body
 * (`body_hash`) and of how it is mapped (`mapping_hash`, see
 * sync/page-digests.ts), so a row is never stale, only unused; whether the
 * stored records still match is checked against `records`, or known from
 * `verified_event`. Only pages without record errors get one. A successful
 * full run drops the rows it did not meet.
 */
export const pageDigests = pgTable(
  'page_digests',
  {
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    bodyHash: text('body_hash').notNull(),
    mappingHash: text('mapping_hash').notNull(),
    externalIds: text('external_ids').array().notNull(),
    digest: text('digest').notNull(),
    /**
     * The collection's newest record event when the records were last known
     * to match: while it still is the newest, nothing of the collection has
     * changed since and the page needs no check at all.
     */
    verifiedEvent: bigint('verified_event', { mode: 'number' }),
    /** The body without its records (connectors/skeleton.ts) and how many it has: enough to page on without parsing it. */
    skeleton: text('skeleton'),
    size: integer('size'),
    /** The largest incremental cursor value among its records (incremental collections). */
    maxCursor: text('max_cursor'),
  },
  (t) => [primaryKey({ columns: [t.collectionId, t.bodyHash] })],
);

/**
 * One row per schedule tick that enqueued (or tried to enqueue) a run: the
 * first instance to insert it wins, so N instances make one run per tick.
 */
export const scheduleTicks = pgTable(
  'schedule_ticks',
  {
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    tickAt: timestamp('tick_at', { withTimezone: true }).notNull(),
    instanceId: text('instance_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.collectionId, t.tickAt] }), index('schedule_ticks_created').on(t.createdAt)],
);

export const recordErrors = pgTable(
  'record_errors',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    runId: uuid('run_id')
      .notNull()
      .references(() => syncRuns.id, { onDelete: 'cascade' }),
    externalId: text('external_id'),
    message: text('message').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('record_errors_run').on(t.runId, t.id)],
);

/**
 * The ordered outbox: appended in the same transaction as the record change
 * it describes, read by subscriptions and webhooks. Ids commit in order (the
 * writer serialises appends, see sync/), so "after id N" never skips one.
 */
export const recordEvents = pgTable(
  'record_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    type: text('type').notNull(),
    collectionId: uuid('collection_id').notNull(),
    externalId: text('external_id').notNull(),
    data: jsonb('data').notNull(),
    version: integer('version').notNull(),
    runId: uuid('run_id'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('record_events_collection').on(t.collectionId, t.id), index('record_events_at').on(t.at)],
);

export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  collectionId: uuid('collection_id').references(() => collections.id, { onDelete: 'cascade' }),
  types: text('types').array(),
  /** Sealed HMAC secret, or null. */
  secret: text('secret'),
  /** ACTIVE, or PAUSED after a delivery exhausted its attempts. */
  status: text('status').notNull().default('ACTIVE'),
  /** Events up to this id are delivered (or filtered out). */
  lastEventId: bigint('last_event_id', { mode: 'number' }).notNull().default(0),
  leaseOwner: text('lease_owner'),
  leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    firstEventId: bigint('first_event_id', { mode: 'number' }).notNull(),
    lastEventId: bigint('last_event_id', { mode: 'number' }).notNull(),
    eventCount: integer('event_count').notNull(),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhook_deliveries_webhook').on(t.webhookId, t.createdAt)],
);
