import { validateDetailed as validateCron } from 'node-cron';
import { z } from 'zod';
import {
  DATE_FORMATS,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  WATERMARK_FORMATS,
  type AuthConfig,
  type CollectionConfig,
  type MappedField,
  type PaginationConfig,
  type SourceConfig,
} from '../domain';
import { BadInputError } from '../errors';
import { validateJsonPath } from '../mapping/jsonpath';

/**
 * Admin input -> validated domain config, before anything is stored. Every
 * failure is a BadInputError whose message starts with the field's path as
 * the client wrote it (`input.auth.apiKey`, `fields[2].name`). GraphQL has
 * already checked shapes and enums; this checks meaning.
 */

type Issue = { path: PropertyKey[]; message: string };

function fieldName(prefix: string, path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`),
    prefix,
  );
}

/** Parses with a zod schema; the first issue becomes the error, the rest go along in its message. */
function parse<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues as Issue[];
  const [first, ...rest] = issues;
  const more = rest.length ? ` (and ${rest.map((i) => `${fieldName(prefix, i.path)}: ${i.message}`).join('; ')})` : '';
  throw new BadInputError(fieldName(prefix, first!.path), `${first!.message}${more}`);
}

// ------------------------------------------------------------------ shared pieces

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const httpUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `is not an absolute URL: "${value}"` });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `must be an http or https URL, not ${url.protocol}` });
  } else if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not contain credentials: put them in auth, where they are encrypted' });
  }
});

/** A JSONPath that compiles; `requiredMessage` words the error when it is missing. */
const jsonPathOf = (requiredMessage?: string) =>
  z.string(requiredMessage ? { error: requiredMessage } : undefined).superRefine((value, ctx) => {
    const problem = validateJsonPath(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid JSONPath ("${value}"): ${problem}` });
  });
const jsonPath = jsonPathOf();

// RFC 9110 token characters.
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const headerMap = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  for (const [name, v] of Object.entries(value)) {
    if (!headerName.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid header name' });
    else if (typeof v !== 'string') ctx.addIssue({ code: 'custom', path: [name], message: 'must be a string' });
    else if (/[\r\n]/.test(v)) ctx.addIssue({ code: 'custom', path: [name], message: 'must not contain line breaks' });
  }
}) as unknown as z.ZodType<Record<string, string>>;

const objectOnly = (what: string) =>
  z.unknown().refine((v) => typeof v === 'object' && v !== null && !Array.isArray(v), `must be a JSON object of ${what}`);

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const positiveInt = (max: number) => z.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`);

// ---------------------------------------------------------------------- sources

export interface AuthInput {
  type: AuthConfig['type'];
  apiKeyLocation?: 'HEADER' | 'QUERY' | null;
  apiKeyName?: string | null;
  apiKey?: string | null;
  username?: string | null;
  password?: string | null;
  token?: string | null;
  tokenUrl?: string | null;
  clientId?: string | null;
  clientSecret?: string | null;
  scope?: string | null;
}

const required = (what: string) => z.string({ error: `is required for ${what} auth` }).min(1, `is required for ${what} auth`);

const tokenUrl = z.string({ error: 'is required for OAUTH2_CLIENT_CREDENTIALS auth' }).superRefine((value, ctx) => {
  if (value.startsWith('/')) return;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return;
  } catch {}
  ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL or a path relative to baseUrl starting with /' });
});

const authSchemas: { [T in AuthConfig['type']]: z.ZodType<Extract<AuthConfig, { type: T }>> } = {
  NONE: z.object({ type: z.literal('NONE') }).transform(() => ({ type: 'NONE' as const })),
  API_KEY: z
    .object({
      type: z.literal('API_KEY'),
      apiKeyLocation: z.enum(['HEADER', 'QUERY']).nullish(),
      apiKeyName: required('API_KEY'),
      apiKey: required('API_KEY'),
    })
    .transform((a) => ({ type: 'API_KEY' as const, location: a.apiKeyLocation ?? 'HEADER', name: a.apiKeyName, key: a.apiKey })),
  BASIC: z
    .object({
      type: z.literal('BASIC'),
      username: required('BASIC').refine((u) => !u.includes(':'), 'must not contain ":" (RFC 7617)'),
      password: z.string({ error: 'is required for BASIC auth' }),
    })
    .transform((a) => ({ type: 'BASIC' as const, username: a.username, password: a.password })),
  BEARER: z
    .object({ type: z.literal('BEARER'), token: required('BEARER') })
    .transform((a) => ({ type: 'BEARER' as const, token: a.token })),
  OAUTH2_CLIENT_CREDENTIALS: z
    .object({
      type: z.literal('OAUTH2_CLIENT_CREDENTIALS'),
      tokenUrl,
      clientId: required('OAUTH2_CLIENT_CREDENTIALS'),
      clientSecret: required('OAUTH2_CLIENT_CREDENTIALS'),
      scope: z.string().nullish(),
    })
    .transform((a) => ({
      type: 'OAUTH2_CLIENT_CREDENTIALS' as const,
      tokenUrl: a.tokenUrl,
      clientId: a.clientId,
      clientSecret: a.clientSecret,
      ...(a.scope ? { scope: a.scope } : {}),
    })),
};

/** Secret fields an update may leave out to keep the stored value. */
const SECRET_FIELDS = ['apiKey', 'password', 'token', 'clientSecret'] as const;
const STORED_NAME: Record<(typeof SECRET_FIELDS)[number], string> = {
  apiKey: 'key',
  password: 'password',
  token: 'token',
  clientSecret: 'clientSecret',
};

export function parseAuth(input: AuthInput, existing?: AuthConfig): AuthConfig {
  // Credentials are write-only, so an admin editing other fields cannot send
  // them back: an omitted secret of the same auth type keeps the stored one.
  const merged: Record<string, unknown> = { ...input };
  if (existing && existing.type === input.type) {
    for (const field of SECRET_FIELDS) {
      const stored = (existing as Record<string, unknown>)[STORED_NAME[field]];
      if (merged[field] == null && stored !== undefined) merged[field] = stored;
    }
  }
  return parse(authSchemas[input.type] as z.ZodType<AuthConfig>, merged, 'input.auth');
}

export interface SourceInput {
  name: string;
  baseUrl: string;
  auth?: AuthInput | null;
  headers?: unknown;
  timeoutMs?: number | null;
  retry?: { maxRetries?: number | null; baseDelayMs?: number | null; maxDelayMs?: number | null } | null;
  rateLimit?: { requests: number; perSeconds: number } | null;
}

export type SourceDraft = Omit<SourceConfig, 'id' | 'updatedAt'>;

const sourceSchema = z.object({
  name: nonEmpty.max(200, 'must be at most 200 characters'),
  baseUrl: httpUrl,
  headers: objectOnly('strings').pipe(headerMap).nullish(),
  timeoutMs: z.number().int('must be a whole number').min(100, 'must be at least 100 ms').max(600_000, 'must be at most 600000 ms').nullish(),
  retry: z
    .object({
      maxRetries: z.number().int('must be a whole number').min(0, 'must not be negative').max(20, 'must be at most 20').nullish(),
      baseDelayMs: z.number().int('must be a whole number').min(0, 'must not be negative').max(60_000, 'must be at most 60000').nullish(),
      maxDelayMs: z.number().int('must be a whole number').min(0, 'must not be negative').max(3_600_000, 'must be at most 3600000').nullish(),
    })
    .nullish(),
  rateLimit: z
    .object({
      requests: positiveInt(100_000),
      perSeconds: z.number().positive('must be more than 0').max(86_400, 'must be at most 86400'),
    })
    .nullish(),
});

/**
 * An update replaces what it gives; a field left out (undefined) keeps its
 * stored value, and an explicit null resets it to the default.
 */
export function parseSource(input: SourceInput, existing?: SourceDraft): SourceDraft {
  const s = parse(sourceSchema, input, 'input');
  const pick = <T>(given: T | null | undefined, stored: T | undefined, fallback: T): T =>
    given === undefined ? (stored ?? fallback) : (given ?? fallback);
  const retry = s.retry === undefined ? existing?.retry : s.retry;
  const merged = {
    maxRetries: retry?.maxRetries ?? DEFAULT_RETRY.maxRetries,
    baseDelayMs: retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
  };
  if (merged.maxDelayMs < merged.baseDelayMs) throw new BadInputError('input.retry.maxDelayMs', 'must not be less than baseDelayMs');
  const auth =
    input.auth === undefined ? (existing?.auth ?? { type: 'NONE' as const }) : input.auth === null ? { type: 'NONE' as const } : parseAuth(input.auth, existing?.auth);
  return {
    name: s.name,
    baseUrl: s.baseUrl,
    auth,
    headers: pick(s.headers, existing?.headers, {}),
    timeoutMs: pick(s.timeoutMs, existing?.timeoutMs, DEFAULT_TIMEOUT_MS),
    retry: merged,
    rateLimit: pick(s.rateLimit, existing?.rateLimit, null),
  };
}

// ------------------------------------------------------------------ collections

export interface CollectionInput {
  sourceId: string;
  name: string;
  method?: string | null;
  path: string;
  pathParams?: unknown;
  query?: unknown;
  headers?: unknown;
  body?: unknown;
  dataPath?: string | null;
  idPath?: string | null;
  pagination?: Record<string, unknown> | null;
  incremental?: Record<string, unknown> | null;
  schedule?: string | null;
}

export type CollectionDraft = Omit<CollectionConfig, 'id' | 'sourceId' | 'updatedAt' | 'mapping'>;

const param = z.string().trim().min(1, 'must not be empty');
const pageSizing = { pageSize: positiveInt(100_000).nullish(), limitParam: param.nullish() };
const need = (what: string) => `is required for ${what} pagination`;
const requiredParam = (what: string) => z.string({ error: need(what) }).trim().min(1, 'must not be empty');

const paginationSchemas: Record<PaginationConfig['type'], z.ZodType<PaginationConfig>> = {
  NONE: z.object({ type: z.literal('NONE') }).transform(() => ({ type: 'NONE' as const })),
  OFFSET: z.object({
    type: z.literal('OFFSET'),
    offsetParam: requiredParam('OFFSET'),
    limitParam: requiredParam('OFFSET'),
    pageSize: z.number({ error: need('OFFSET') }).int('must be a whole number').min(1, 'must be at least 1').max(100_000, 'must be at most 100000'),
  }) as z.ZodType<PaginationConfig>,
  PAGE: z
    .object({
      type: z.literal('PAGE'),
      pageParam: requiredParam('PAGE'),
      startPage: z.number().int('must be a whole number').min(0, 'must not be negative').nullish(),
      totalPagesPath: jsonPath.nullish(),
      ...pageSizing,
    })
    .transform((p) => ({ ...p, startPage: p.startPage ?? 1 })) as z.ZodType<PaginationConfig>,
  CURSOR: z
    .object({
      type: z.literal('CURSOR'),
      cursorParam: requiredParam('CURSOR'),
      cursorPath: jsonPathOf(need('CURSOR')),
      cursorFromLastRecord: z.boolean().nullish(),
      hasMorePath: jsonPath.nullish(),
      ...pageSizing,
    })
    .transform((p) => ({ ...p, cursorFromLastRecord: p.cursorFromLastRecord ?? false })) as z.ZodType<PaginationConfig>,
  NEXT_URL: z.object({
    type: z.literal('NEXT_URL'),
    nextUrlPath: jsonPathOf(need('NEXT_URL')),
    ...pageSizing,
  }) as z.ZodType<PaginationConfig>,
  LINK_HEADER: z.object({ type: z.literal('LINK_HEADER'), ...pageSizing }) as z.ZodType<PaginationConfig>,
};

/** Drops null and undefined members, so stored configs hold only what is set. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T;
}

export function parsePagination(input: Record<string, unknown>): PaginationConfig {
  const type = input.type as PaginationConfig['type'];
  // Only the fields that belong to the type are considered; the rest would be ignored anyway.
  return compact(parse(paginationSchemas[type], input, 'input.pagination'));
}

const incrementalSchema = z.object({
  sinceParam: z.string({ error: 'is required' }).trim().min(1, 'must not be empty'),
  cursorPath: jsonPathOf('is required'),
  format: z.enum(WATERMARK_FORMATS, { error: `must be one of ${WATERMARK_FORMATS.join(', ')}` }).nullish(),
  lookbackSeconds: z.number().int('must be a whole number').min(0, 'must not be negative').nullish(),
});

const METHODS = ['GET', 'POST', 'PUT', 'PATCH'] as const;

const collectionSchema = z.object({
  name: nonEmpty.max(200, 'must be at most 200 characters'),
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(METHODS, { error: `must be one of ${METHODS.join(', ')}` }))
    .nullish(),
  path: z.string().refine((p) => !/^[a-z][a-z0-9+.-]*:/i.test(p), 'must be a path relative to the source, not a URL'),
  pathParams: objectOnly('strings or numbers').pipe(z.record(z.string(), scalar, { error: 'values must be strings, numbers or booleans' })).nullish(),
  query: objectOnly('strings, numbers or arrays').pipe(z.record(z.string(), z.union([scalar, z.array(scalar)]), { error: 'values must be strings, numbers, booleans or arrays of them' })).nullish(),
  headers: objectOnly('strings').pipe(headerMap).nullish(),
  body: z.unknown().optional(),
  dataPath: jsonPath.nullish(),
  idPath: jsonPath.nullish(),
  schedule: z
    .string()
    .superRefine((expr, ctx) => {
      const fields = expr.trim().split(/\s+/).length;
      if (fields !== 5 && fields !== 6) {
        ctx.addIssue({ code: 'custom', message: `must be a cron expression of five or six fields, got ${fields}: "${expr}"` });
        return;
      }
      const check = validateCron(expr.trim());
      if (!check.valid) {
        const why = check.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
        ctx.addIssue({ code: 'custom', message: `is not a valid cron expression ("${expr}")${why ? `: ${why}` : ''}` });
      }
    })
    .nullish(),
});

export function parseCollection(input: CollectionInput, existing?: CollectionDraft): CollectionDraft {
  const c = parse(collectionSchema, input, 'input');
  const keep = <K extends keyof CollectionDraft>(key: K, given: CollectionDraft[K] | null | undefined, fallback: CollectionDraft[K]) =>
    given === undefined ? (existing ? existing[key] : fallback) : (given ?? fallback);

  const path = c.path.startsWith('/') || c.path === '' ? c.path : `/${c.path}`;
  const pathParams = keep('pathParams', c.pathParams, {});
  for (const [, name] of path.matchAll(/\{([^}]*)\}/g)) {
    if (!(name! in pathParams)) throw new BadInputError('input.pathParams', `has no value for the placeholder {${name}} in path`);
  }
  const pagination =
    input.pagination === undefined ? (existing?.pagination ?? { type: 'NONE' as const }) : input.pagination === null ? { type: 'NONE' as const } : parsePagination(input.pagination);
  let incremental = existing?.incremental ?? null;
  if (input.incremental !== undefined) {
    if (input.incremental === null) incremental = null;
    else {
      const i = parse(incrementalSchema, input.incremental, 'input.incremental');
      incremental = { sinceParam: i.sinceParam, cursorPath: i.cursorPath, format: i.format ?? 'ISO8601', lookbackSeconds: i.lookbackSeconds ?? 0 };
    }
  }
  return {
    name: c.name,
    method: keep('method', c.method, 'GET'),
    path,
    pathParams,
    query: keep('query', c.query, {}),
    headers: keep('headers', c.headers, {}),
    body: c.body === undefined ? (existing?.body ?? null) : c.body,
    dataPath: keep('dataPath', c.dataPath, '$'),
    idPath: keep('idPath', c.idPath, '$.id'),
    pagination,
    incremental,
    schedule: keep('schedule', c.schedule == null ? c.schedule : c.schedule.trim(), null),
  };
}

// --------------------------------------------------------------------- mappings

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const mappingSchema = z
  .array(
    z
      .object({
        name: z.string().regex(IDENTIFIER, 'must be an identifier: a letter or _ followed by letters, digits or _').max(100, 'must be at most 100 characters'),
        path: jsonPath,
        type: z.enum(['TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME', 'JSON']),
        format: z.enum(DATE_FORMATS, { error: `must be one of ${DATE_FORMATS.join(', ')}` }).nullish(),
      })
      .superRefine((f, ctx) => {
        if (f.format && f.type !== 'DATE' && f.type !== 'DATETIME') {
          ctx.addIssue({ code: 'custom', path: ['format'], message: 'applies only to DATE and DATETIME fields' });
        }
      }),
  )
  .max(500, 'must have at most 500 fields')
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${f.name}" is used by more than one field` });
      seen.add(f.name);
    });
  });

/** An empty list removes the mapping: records are then stored raw. */
export function parseMapping(fields: unknown[]): MappedField[] | null {
  const parsed = parse(mappingSchema, fields, 'fields');
  return parsed.length ? parsed.map((f) => compact({ ...f, format: f.format ?? undefined }) as MappedField) : null;
}

// --------------------------------------------------------------------- webhooks

export function parseWebhookUrl(url: string): string {
  return parse(httpUrl, url, 'input.url');
}
