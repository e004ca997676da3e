import { createHmac } from 'node:crypto';
import { encodeId } from '../catalog/ids';
import type { recordEvents } from '../db/schema';

/** One outbox row. */
export type EventRow = typeof recordEvents.$inferSelect;

/** A record event as the receiver gets it: the GraphQL RecordEvent shape. */
export interface WireEvent {
  id: string;
  type: string;
  collectionId: string;
  externalId: string;
  data: unknown;
  version: number;
  runId: string | null;
  at: string;
}

export function toWireEvent(e: EventRow): WireEvent {
  return {
    id: String(e.id),
    type: e.type,
    collectionId: encodeId('Collection', e.collectionId),
    externalId: e.externalId,
    data: e.data,
    version: e.version,
    runId: e.runId ? encodeId('SyncRun', e.runId) : null,
    at: e.at.toISOString(),
  };
}

/**
 * The body of a batch. Built from immutable outbox rows (jsonb keeps a
 * canonical key order), so a retry, even from another instance after a
 * crash, sends the very same bytes and the same signature.
 */
export function deliveryBody(events: EventRow[]): string {
  return JSON.stringify({ events: events.map(toWireEvent) });
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`, what X-Tributary-Signature carries. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
