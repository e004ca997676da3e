import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { collections, records } from '../db/schema';
import type { CollectionConfig, IncrementalConfig, MappedField, PaginationConfig } from '../domain';
import { BadInputError, NotFoundError } from '../errors';
import type { Runtime } from '../runtime';
import { getSource } from './sources';
import { parseCollection, parseMapping, type CollectionDraft, type CollectionInput } from './validate';
import { decodeId } from './ids';

export type CollectionRow = typeof collections.$inferSelect;

export function collectionConfig(row: CollectionRow): CollectionConfig {
  return {
    id: row.id,
    sourceId: row.sourceId,
    name: row.name,
    method: row.method,
    path: row.path,
    pathParams: row.pathParams as CollectionConfig['pathParams'],
    query: row.query as CollectionConfig['query'],
    headers: row.headers as Record<string, string>,
    body: row.body,
    dataPath: row.dataPath,
    idPath: row.idPath,
    pagination: row.pagination as PaginationConfig,
    incremental: (row.incremental as IncrementalConfig | null) ?? null,
    schedule: row.schedule,
    mapping: (row.mapping as MappedField[] | null) ?? null,
    updatedAt: row.updatedAt,
  };
}

export async function findCollection(rt: Runtime, id: string): Promise<CollectionRow | null> {
  const [row] = await rt.db.select().from(collections).where(eq(collections.id, id));
  return row ?? null;
}

export async function getCollection(rt: Runtime, id: string): Promise<CollectionRow> {
  const row = await findCollection(rt, id);
  if (!row) throw new NotFoundError('Collection', id);
  return row;
}

export function listCollections(rt: Runtime, sourceId: string): Promise<CollectionRow[]> {
  return rt.db.select().from(collections).where(eq(collections.sourceId, sourceId)).orderBy(asc(collections.createdAt), asc(collections.id));
}

function toRow(draft: CollectionDraft) {
  return { ...draft, body: draft.body ?? null };
}

/** A collection name is unique within its source: the API answers that clearly rather than a constraint error. */
async function assertNameFree(rt: Runtime, sourceId: string, name: string, exceptId?: string) {
  const [clash] = await rt.db
    .select({ id: collections.id })
    .from(collections)
    .where(and(eq(collections.sourceId, sourceId), eq(collections.name, name)));
  if (clash && clash.id !== exceptId) throw new BadInputError('input.name', `the source already has a collection named "${name}"`);
}

export async function createCollection(rt: Runtime, input: CollectionInput): Promise<CollectionRow> {
  const sourceId = decodeId('Source', input.sourceId);
  const draft = parseCollection(input);
  await getSource(rt, sourceId);
  await assertNameFree(rt, sourceId, draft.name);
  const [row] = await rt.db.insert(collections).values({ ...toRow(draft), sourceId }).returning();
  rt.log.info({ collectionId: row!.id, sourceId }, 'collection created');
  return row!;
}

export async function updateCollection(rt: Runtime, id: string, input: CollectionInput): Promise<CollectionRow> {
  const existing = await getCollection(rt, id);
  const sourceId = decodeId('Source', input.sourceId);
  const draft = parseCollection(input, collectionConfig(existing));
  if (sourceId !== existing.sourceId) await getSource(rt, sourceId);
  await assertNameFree(rt, sourceId, draft.name, id);
  const [row] = await rt.db
    .update(collections)
    .set({ ...toRow(draft), sourceId, updatedAt: sql`now()` })
    .where(eq(collections.id, id))
    .returning();
  if (!row) throw new NotFoundError('Collection', id);
  rt.log.info({ collectionId: id }, 'collection updated');
  return row;
}

export async function deleteCollection(rt: Runtime, id: string): Promise<string> {
  const [row] = await rt.db.delete(collections).where(eq(collections.id, id)).returning({ id: collections.id });
  if (!row) throw new NotFoundError('Collection', id);
  rt.log.info({ collectionId: id }, 'collection deleted');
  return id;
}

export async function setMapping(rt: Runtime, collectionId: string, fields: unknown[]): Promise<MappedField[] | null> {
  const mapping = parseMapping(fields);
  const [row] = await rt.db
    .update(collections)
    .set({ mapping, updatedAt: sql`now()` })
    .where(eq(collections.id, collectionId))
    .returning({ id: collections.id });
  if (!row) throw new NotFoundError('Collection', collectionId);
  rt.log.info({ collectionId, fields: mapping?.length ?? 0 }, 'mapping set');
  return mapping;
}

export async function countLiveRecords(rt: Runtime, collectionId: string): Promise<number> {
  const [row] = await rt.db
    .select({ n: sql<number>`count(*)::int` })
    .from(records)
    .where(and(eq(records.collectionId, collectionId), isNull(records.deletedAt)));
  return row?.n ?? 0;
}
