/**
 * One client per source: an undici Agent (a keep-alive pool per origin), the
 * source's authenticator (which holds OAuth2 tokens) and a masker. Cached by
 * source id and rebuilt when source.updatedAt changes. A run leases the
 * client for its whole length, so a dispatcher replaced by a config change or
 * closed by closeSourceClients is closed only once its last run is done.
 */
import { Agent } from 'undici';
import type { SourceConfig } from '../domain';
import { createAuthenticator, type Authenticator } from './auth/index';
import { createTransport, type Send } from './http';
import { createMasker, type Masker } from './mask';
import { forgetRateLimiter } from './rate-limit';
import { withRetry } from './retry';

/** Idle keep-alive sockets are closed after this many milliseconds. */
const KEEP_ALIVE_MS = 10_000;
/** Parallel connections per origin; runs of one source share them. */
const CONNECTIONS_PER_ORIGIN = 16;

export interface SourceClient {
  source: SourceConfig;
  auth: Authenticator;
  mask: Masker;
  /** One attempt on the wire: no auth, no rate limit, no retry. */
  transport: Send;
}

interface Entry {
  client: SourceClient;
  dispatcher: Agent;
  updatedAt: number;
  leases: number;
  evicted: boolean;
  closed?: Promise<void>;
}

const clients = new Map<string, Entry>();

export interface Lease {
  client: SourceClient;
  release(): void;
}

export function leaseSourceClient(source: SourceConfig): Lease {
  let entry = clients.get(source.id);
  // An older config (a run that started before an update) uses the newer client.
  if (!entry || entry.updatedAt < source.updatedAt.getTime()) {
    if (entry) evict(entry);
    entry = build(source);
    clients.set(source.id, entry);
  }
  const leased = entry;
  leased.leases++;
  let released = false;
  return {
    client: leased.client,
    release() {
      if (released) return;
      released = true;
      leased.leases--;
      if (leased.evicted && leased.leases === 0) close(leased);
    },
  };
}

/**
 * Releases the dispatchers of one source (on update or delete) or of all
 * (at shutdown). Resolves once they are closed, which waits for runs still
 * using them: abort those first at shutdown.
 */
export async function closeSourceClients(sourceId?: string): Promise<void> {
  const entries = sourceId === undefined ? [...clients.values()] : [clients.get(sourceId)].filter((e) => e !== undefined);
  for (const entry of entries) evict(entry);
  forgetRateLimiter(sourceId);
  await Promise.all(entries.map((e) => (e.leases === 0 ? close(e) : waitClosed(e))));
}

function build(source: SourceConfig): Entry {
  const dispatcher = new Agent({
    connect: { timeout: source.timeoutMs },
    keepAliveTimeout: KEEP_ALIVE_MS,
    connections: CONNECTIONS_PER_ORIGIN,
  });
  let auth: Authenticator | null = null;
  const mask = createMasker(() => auth?.secrets() ?? []);
  const transport = createTransport({ dispatcher, timeoutMs: source.timeoutMs, mask });
  auth = createAuthenticator(source.auth, { source, send: withRetry(transport, { policy: source.retry }) });
  return {
    client: { source, auth, mask, transport },
    dispatcher,
    updatedAt: source.updatedAt.getTime(),
    leases: 0,
    evicted: false,
  };
}

function evict(entry: Entry): void {
  entry.evicted = true;
  if (clients.get(entry.client.source.id) === entry) clients.delete(entry.client.source.id);
}

function close(entry: Entry): Promise<void> {
  entry.closed ??= entry.dispatcher.close().catch(() => undefined);
  resolveWaiters(entry);
  return entry.closed;
}

const waiters = new WeakMap<Entry, (() => void)[]>();

function waitClosed(entry: Entry): Promise<void> {
  return new Promise((resolve) => {
    const list = waiters.get(entry) ?? [];
    list.push(resolve);
    waiters.set(entry, list);
  });
}

function resolveWaiters(entry: Entry): void {
  const list = waiters.get(entry);
  if (!list) return;
  waiters.delete(entry);
  void entry.closed!.then(() => list.forEach((resolve) => resolve()));
}
