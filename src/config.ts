import path from 'node:path';
import { z } from 'zod';

/**
 * The one place that reads process.env. Everything else gets a typed Config,
 * so tests build one directly and several gateways can run in one process.
 */

export type DatabaseConfig =
  | { kind: 'postgres'; url: string }
  /** dataDir undefined: in memory (tests). */
  | { kind: 'pglite'; dataDir: string | undefined };

export interface Config {
  port: number;
  /** Interface to bind; default all. */
  host: string;
  database: DatabaseConfig;
  /** Where the embedded database, the generated secret key and the like live. */
  dataDir: string;
  /** From TRIBUTARY_ADMIN_TOKEN; when null one is generated at first start and kept. */
  adminToken: string | null;
  /** 32 bytes from TRIBUTARY_SECRET_KEY; when null one is generated into dataDir. */
  secretKey: Buffer | null;
  logLevel: string;
  /** Runs one instance works on at once. */
  workerConcurrency: number;
  /** How long a claimed run's lease lasts without renewal, in ms. */
  runLeaseMs: number;
  /** A full run that would soft-delete more than this share of live records deletes nothing. */
  deleteGuardRatio: number;
  /** Kept record events, in days. */
  eventRetentionDays: number;
  /** Record errors kept per run. */
  maxRecordErrors: number;
  /** Whether the background workers (runs, schedules, webhooks) start; tests may turn them off. */
  workers: boolean;
  /** Webhook delivery tuning; what is left out takes the defaults in webhooks/settings.ts. */
  webhooks?: Partial<WebhookConfig>;
}

export interface WebhookConfig {
  /** Most events in one POST. */
  batchSize: number;
  /** One attempt's budget, connect to last byte, in ms. */
  timeoutMs: number;
  /** Attempts of one batch before it is FAILED and its webhook PAUSED. */
  maxAttempts: number;
  /** First retry delay in ms; doubles per attempt, with jitter. */
  backoffBaseMs: number;
  /** Longest retry delay in ms, Retry-After included. */
  backoffMaxMs: number;
  /** How long a claimed webhook's lease lasts without renewal, in ms; longer than timeoutMs. */
  leaseMs: number;
  /** Webhooks one instance sends to at once. */
  concurrency: number;
}

const int = (min: number) => z.coerce.number().int().min(min);

const EnvSchema = z.object({
  PORT: int(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  TRIBUTARY_DATA_DIR: z.string().default('./.tributary'),
  TRIBUTARY_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TRIBUTARY_SECRET_KEY: z.string().optional(),
  TRIBUTARY_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  TRIBUTARY_WORKER_CONCURRENCY: int(0).default(4),
  TRIBUTARY_RUN_LEASE_MS: int(1000).default(30_000),
  TRIBUTARY_DELETE_GUARD_RATIO: z.coerce.number().min(0).max(1).default(0.5),
  TRIBUTARY_EVENT_RETENTION_DAYS: z.coerce.number().positive().default(7),
  TRIBUTARY_MAX_RECORD_ERRORS: int(0).default(1000),
  TRIBUTARY_WEBHOOK_BATCH_SIZE: int(1).max(10_000).optional(),
  TRIBUTARY_WEBHOOK_TIMEOUT_MS: int(100).optional(),
  TRIBUTARY_WEBHOOK_MAX_ATTEMPTS: int(1).optional(),
  TRIBUTARY_WEBHOOK_BACKOFF_BASE_MS: int(1).optional(),
  TRIBUTARY_WEBHOOK_BACKOFF_MAX_MS: int(1).optional(),
  TRIBUTARY_WEBHOOK_LEASE_MS: int(1000).optional(),
  TRIBUTARY_WEBHOOK_CONCURRENCY: int(0).optional(),
});

/** A 32-byte key given as 64 hex characters or base64. */
export function parseSecretKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error('TRIBUTARY_SECRET_KEY must be 32 bytes, as 64 hex characters or base64');
  return key;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (FOO= in a unit file or compose) means unset, as operators expect.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.TRIBUTARY_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') },
    dataDir,
    adminToken: e.TRIBUTARY_ADMIN_TOKEN ?? null,
    secretKey: e.TRIBUTARY_SECRET_KEY ? parseSecretKey(e.TRIBUTARY_SECRET_KEY) : null,
    logLevel: e.TRIBUTARY_LOG_LEVEL,
    workerConcurrency: e.TRIBUTARY_WORKER_CONCURRENCY,
    runLeaseMs: e.TRIBUTARY_RUN_LEASE_MS,
    deleteGuardRatio: e.TRIBUTARY_DELETE_GUARD_RATIO,
    eventRetentionDays: e.TRIBUTARY_EVENT_RETENTION_DAYS,
    maxRecordErrors: e.TRIBUTARY_MAX_RECORD_ERRORS,
    workers: true,
    webhooks: {
      batchSize: e.TRIBUTARY_WEBHOOK_BATCH_SIZE,
      timeoutMs: e.TRIBUTARY_WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.TRIBUTARY_WEBHOOK_MAX_ATTEMPTS,
      backoffBaseMs: e.TRIBUTARY_WEBHOOK_BACKOFF_BASE_MS,
      backoffMaxMs: e.TRIBUTARY_WEBHOOK_BACKOFF_MAX_MS,
      leaseMs: e.TRIBUTARY_WEBHOOK_LEASE_MS,
      concurrency: e.TRIBUTARY_WEBHOOK_CONCURRENCY,
    },
  };
}
