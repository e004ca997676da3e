import { asc, eq, sql } from 'drizzle-orm';
import { closeSourceClients } from '../connectors/client';
import { sources } from '../db/schema';
import type { AuthConfig, RateLimit, RetryPolicy, SourceConfig } from '../domain';
import { NotFoundError } from '../errors';
import type { Runtime } from '../runtime';
import { parseSource, type SourceDraft, type SourceInput } from './validate';

export type SourceRow = typeof sources.$inferSelect;

/** What is sealed: the auth config and the custom headers (which often carry keys too). */
interface Credentials {
  auth: AuthConfig;
  headers: Record<string, string>;
}

function toRow(rt: Runtime, draft: SourceDraft) {
  return {
    name: draft.name,
    baseUrl: draft.baseUrl,
    authType: draft.auth.type,
    credentials: rt.sealer.sealJson({ auth: draft.auth, headers: draft.headers } satisfies Credentials),
    headerNames: Object.keys(draft.headers),
    timeoutMs: draft.timeoutMs,
    retry: draft.retry,
    rateLimit: draft.rateLimit,
  };
}

/** The full config with credentials unsealed: for the connector engine only, never for the API. */
export function sourceConfig(rt: Runtime, row: SourceRow): SourceConfig {
  const { auth, headers } = rt.sealer.openJson<Credentials>(row.credentials);
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    auth,
    headers,
    timeoutMs: row.timeoutMs,
    retry: row.retry as RetryPolicy,
    rateLimit: (row.rateLimit as RateLimit | null) ?? null,
    updatedAt: row.updatedAt,
  };
}

export async function findSource(rt: Runtime, id: string): Promise<SourceRow | null> {
  const [row] = await rt.db.select().from(sources).where(eq(sources.id, id));
  return row ?? null;
}

export async function getSource(rt: Runtime, id: string): Promise<SourceRow> {
  const row = await findSource(rt, id);
  if (!row) throw new NotFoundError('Source', id);
  return row;
}

export function listSources(rt: Runtime): Promise<SourceRow[]> {
  return rt.db.select().from(sources).orderBy(asc(sources.createdAt), asc(sources.id));
}

export async function createSource(rt: Runtime, input: SourceInput): Promise<SourceRow> {
  const draft = parseSource(input);
  const [row] = await rt.db.insert(sources).values(toRow(rt, draft)).returning();
  rt.log.info({ sourceId: row!.id, authType: row!.authType }, 'source created');
  return row!;
}

export async function updateSource(rt: Runtime, id: string, input: SourceInput): Promise<SourceRow> {
  const existing = sourceConfig(rt, await getSource(rt, id));
  const draft = parseSource(input, existing);
  const [row] = await rt.db
    .update(sources)
    .set({ ...toRow(rt, draft), updatedAt: sql`now()` })
    .where(eq(sources.id, id))
    .returning();
  if (!row) throw new NotFoundError('Source', id);
  // Pooled connections and cached tokens belong to the old config.
  await closeSourceClients(id);
  rt.log.info({ sourceId: id }, 'source updated');
  return row;
}

export async function deleteSource(rt: Runtime, id: string): Promise<string> {
  const [row] = await rt.db.delete(sources).where(eq(sources.id, id)).returning({ id: sources.id });
  if (!row) throw new NotFoundError('Source', id);
  await closeSourceClients(id);
  rt.log.info({ sourceId: id }, 'source deleted');
  return id;
}
