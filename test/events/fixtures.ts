/**
 * What the event tests share: graphql-ws clients over a real WebSocket, a
 * collector that records what a subscription delivered, an SSE reader, and
 * a direct appender that writes events the way the sync engine does.
 */
import { sql } from 'drizzle-orm';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { rows } from '../../src/db/client';
import { Channels } from '../../src/events/notifier';
import type { Runtime } from '../../src/runtime';
import { EVENT_APPEND_LOCK } from '../../src/sync/write-page';
import { ADMIN_TOKEN } from '../helpers/gateway';

export const EVENT_FIELDS = 'id type collectionId externalId data version runId at';
export const RECORD_EVENTS = `subscription($collectionId: ID, $types: [RecordEventType!], $after: ID) {
  recordEvents(collectionId: $collectionId, types: $types, after: $after) { ${EVENT_FIELDS} }
}`;

export interface WireEvent {
  id: string;
  type: 'CREATED' | 'UPDATED' | 'DELETED';
  collectionId: string;
  externalId: string;
  data: any;
  version: number;
  runId: string | null;
  at: string;
}

/** The WebSockets clients opened, so a test can pause one (a consumer that stops reading). */
export const openedSockets: WebSocket[] = [];
class TrackedWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    openedSockets.push(this);
  }
}

export function wsClient(httpUrl: string, token: string | null = ADMIN_TOKEN): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: TrackedWebSocket,
    connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
}

export interface Collector {
  events: WireEvent[];
  /** What the subscription ended with, if it did: an error (GraphQL errors or a close event) or 'complete'. */
  ended: Promise<{ error?: any; complete?: true }>;
  /** Resolves once `n` events arrived; rejects on timeout or an early end. */
  waitFor(n: number, timeoutMs?: number): Promise<WireEvent[]>;
  unsubscribe(): void;
}

export function collect(client: Client, variables: Record<string, unknown> = {}): Collector {
  const events: WireEvent[] = [];
  let waiters: Array<() => void> = [];
  let end: { error?: any; complete?: true } | null = null;
  let resolveEnded!: (v: { error?: any; complete?: true }) => void;
  const ended = new Promise<{ error?: any; complete?: true }>((r) => (resolveEnded = r));
  const finish = (v: { error?: any; complete?: true }) => {
    end ??= v;
    resolveEnded(v);
    for (const w of waiters) w();
  };
  const unsubscribe = client.subscribe<{ recordEvents: WireEvent }>(
    { query: RECORD_EVENTS, variables },
    {
      next(result) {
        if (result.errors?.length) return finish({ error: result.errors });
        events.push(result.data!.recordEvents);
        for (const w of waiters) w();
      },
      error: (error) => finish({ error }),
      complete: () => finish({ complete: true }),
    },
  );
  return {
    events,
    ended,
    unsubscribe,
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n) {
        if (end) throw new Error(`subscription ended after ${events.length}/${n} events: ${JSON.stringify(end)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`only ${events.length}/${n} events after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 500));
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
        waiters = [];
      }
      return events.slice(0, n);
    },
  };
}

/** Waits until the subscription is live on the server (graphql-ws gives no ack for a subscribe). */
export async function settle(ms = 150): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export interface LoggedEvent {
  id: string;
  type: string;
  collection_id: string;
  external_id: string;
  version: number;
  data: any;
}

/** The log itself, for comparing what was delivered with what was written. */
export async function loggedEvents(rt: Runtime, afterId = 0, collectionId?: string): Promise<LoggedEvent[]> {
  return rows<LoggedEvent>(rt.db, sql`
    SELECT id::text, type, collection_id::text, external_id, version, data FROM record_events
    WHERE id > ${afterId} ${collectionId ? sql`AND collection_id = ${collectionId}` : sql``} ORDER BY record_events.id`);
}

export async function headId(rt: Runtime): Promise<number> {
  const [row] = await rows<{ id: string }>(rt.db, sql`SELECT coalesce(max(id), 0)::text AS id FROM record_events`);
  return Number(row!.id);
}

/**
 * Appends `count` UPDATED events to a collection as the sync engine does
 * (append lock, NOTIFY, insert, one transaction), each carrying `padBytes`
 * of filler. For tests that need volume without an upstream API.
 */
export async function appendEvents(rt: Runtime, collectionId: string, count: number, padBytes = 0, tag = 'x'): Promise<void> {
  await rt.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${EVENT_APPEND_LOCK}::bigint), pg_notify(${Channels.events}, '')`);
    await tx.execute(sql`
      INSERT INTO record_events (type, collection_id, external_id, data, version)
      SELECT 'UPDATED', ${collectionId}::uuid, ${tag} || '_' || g, jsonb_build_object('n', g, 'pad', repeat('x', ${padBytes}::int)), 1
      FROM generate_series(1, ${count}::int) AS g ORDER BY g`);
  });
}

/** Asserts-ready view of delivered events: ids as numbers, strictly increasing. */
export function ids(events: Array<{ id: string }>): number[] {
  return events.map((e) => Number(e.id));
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
