/**
 * Local stand-ins for external REST APIs: a real node:http server on
 * 127.0.0.1 and an ephemeral port, driven by a handler, plus deterministic
 * fake records to serve. Used by the connector tests and the sync tests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** May return anything (handlers often `return res.end()`); a rejected promise becomes a 500. */
export type ApiHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => unknown;

export interface ApiServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  baseUrl: string;
  /** Requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startApiServer(handler: ApiHandler): Promise<ApiServer> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive sockets would hold close() open until they time out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface FakeRecord {
  id: string;
  /** Sequence number, 1-based. */
  seq: number;
  name: string;
  /** Always a numeric string, as many APIs send money. */
  amount: string;
  active: boolean;
  /** Unix seconds. */
  created: number;
  /** ISO 8601 with a +02:00 offset. */
  updated: string;
  tags: string[];
}

/** `count` records, the same on every call; ids sort in creation order. */
export function fakeRecords(count: number, prefix = 'rec'): FakeRecord[] {
  const base = Date.UTC(2024, 0, 1) / 1000;
  const out: FakeRecord[] = [];
  for (let i = 1; i <= count; i++) {
    const created = base + i * 3600;
    const updated = new Date((created + 90) * 1000 + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    out.push({
      id: `${prefix}_${String(i).padStart(6, '0')}`,
      seq: i,
      name: `Record ${i}`,
      amount: ((i * 37) % 10_000 / 100).toFixed(2),
      active: i % 3 !== 0,
      created,
      updated,
      tags: i % 2 === 0 ? ['even'] : ['odd'],
    });
  }
  return out;
}
