/** What the webhook tests share: outbox rows written directly, and GraphQL shortcuts. */
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../src/db/client';
import { Channels } from '../../src/events/notifier';
import { EVENT_APPEND_LOCK } from '../../src/sync/write-page';

export const WEBHOOK_FIELDS = `id url status hasSecret lastEventId collectionId types`;
export const DELIVERY_FIELDS = `id status attempts eventCount firstEventId lastEventId lastStatusCode lastError nextAttemptAt createdAt`;

export interface FakeEvent {
  collectionId: string;
  type: 'CREATED' | 'UPDATED' | 'DELETED';
  externalId: string;
}

/**
 * Appends events as the sync engine would (one transaction, under its
 * append lock, ids in list order) and announces them; returns their ids.
 * For tests about delivery mechanics, where a whole sync adds nothing.
 */
export async function appendEvents(db: Db, list: FakeEvent[]): Promise<number[]> {
  const json = JSON.stringify(list.map((e) => ({ c: e.collectionId, t: e.type, x: e.externalId })));
  const inserted = await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${EVENT_APPEND_LOCK}::bigint), pg_notify(${Channels.events}, '')`);
    return rows<{ id: string }>(tx, sql`
      INSERT INTO record_events (type, collection_id, external_id, data, version)
      SELECT e->>'t', (e->>'c')::uuid, e->>'x', jsonb_build_object('externalId', e->>'x', 'n', ord), 1
      FROM jsonb_array_elements(${json}::jsonb) WITH ORDINALITY AS t(e, ord)
      ORDER BY ord
      RETURNING id::text`);
  });
  return inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
}
