/**
 * A webhook receiver for the tests: a real HTTP server on 127.0.0.1, port 0,
 * that records every request, answers as `decide` says (200, an error
 * status, or hang until the sender gives up), and watches the properties
 * the delivery protocol promises: signatures, one request in flight per
 * webhook, first arrivals in event order, one body per delivery id.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../helpers/api-server';

export interface Arrival {
  /** Request path: one per webhook in the tests. */
  path: string;
  /** 1-based, across all paths. */
  n: number;
  deliveryId: string;
  signature: string | undefined;
  contentType: string | undefined;
  body: string;
  events: any[];
  answer: Answer;
}

/** A status to answer with, or 'hang': never answer (the sender times out). */
export type Answer = number | 'hang';

export interface Receiver {
  url(path: string): string;
  arrivals: Arrival[];
  /** Most requests in flight at once, per path. */
  maxInFlight: Map<string, number>;
  decide: (req: { path: string; n: number; deliveryId: string; attempt: number }) => Answer;
  /** Milliseconds to take before answering request `n`. */
  latency: (n: number) => number;
  /** Ids of the events that arrived at `path`, each once, in order of first arrival. */
  firstArrivals(path: string): number[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const inFlight = new Map<string, number>();
  const attempts = new Map<string, number>();
  let n = 0;
  const state: Receiver = {
    url: () => '',
    arrivals: [],
    maxInFlight: new Map(),
    decide: () => 200,
    latency: () => 0,
    firstArrivals(path) {
      const seen = new Set<number>();
      const out: number[] = [];
      for (const a of state.arrivals) {
        if (a.path !== path) continue;
        for (const e of a.events) {
          const id = Number(e.id);
          if (!seen.has(id)) {
            seen.add(id);
            out.push(id);
          }
        }
      }
      return out;
    },
    close: async () => {},
  };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const now = (inFlight.get(path) ?? 0) + 1;
    inFlight.set(path, now);
    state.maxInFlight.set(path, Math.max(state.maxInFlight.get(path) ?? 0, now));
    res.on('close', () => inFlight.set(path, (inFlight.get(path) ?? 1) - 1));
    const body = await readBody(req);
    const deliveryId = String(req.headers['x-tributary-delivery'] ?? '');
    const attempt = (attempts.get(deliveryId) ?? 0) + 1;
    attempts.set(deliveryId, attempt);
    const arrival: Arrival = {
      path,
      n: ++n,
      deliveryId,
      signature: req.headers['x-tributary-signature'] as string | undefined,
      contentType: req.headers['content-type'],
      body,
      events: (JSON.parse(body) as { events: any[] }).events,
      answer: 200,
    };
    arrival.answer = state.decide({ path, n: arrival.n, deliveryId, attempt });
    state.arrivals.push(arrival);
    if (arrival.answer === 'hang') return; // until the sender gives up and closes the connection
    const wait = state.latency(arrival.n);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    res.writeHead(arrival.answer, { 'content-type': 'text/plain' });
    res.end(arrival.answer < 300 ? 'ok' : 'receiver says no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = (path) => `http://127.0.0.1:${port}${path}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

export function verifySignature(secret: string, a: Arrival): boolean {
  if (!a.signature?.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(a.body).digest();
  const given = Buffer.from(a.signature.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Fails unless every request of a delivery id carried the same body. */
export function bodiesPerDelivery(arrivals: Arrival[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const a of arrivals) {
    if (!out.has(a.deliveryId)) out.set(a.deliveryId, new Set());
    out.get(a.deliveryId)!.add(a.body);
  }
  return out;
}

export function isStrictlyIncreasing(ids: number[]): boolean {
  return ids.every((id, i) => i === 0 || id > ids[i - 1]!);
}

export async function waitUntil<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
