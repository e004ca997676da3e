/**
 * The bottom of the request pipeline: one attempt of one request on a
 * source's undici dispatcher, read to the end and parsed as JSON. Auth, rate
 * limit and retry are layers composed around this `Send` (see pipeline.ts);
 * this file only turns what happened on the wire into a response or a
 * ConnectorError that says whether trying again may help.
 */
import { hash } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import { ConnectorError } from './errors';
import { parseRetryAfter } from './retry';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** Already serialized (JSON or form). */
  body?: string;
  /**
   * What the caller already knows a body with this hash holds: when it
   * returns something, that is the response's json and the body is neither
   * decoded nor parsed (see sync/page-digests.ts). Called for 2xx JSON bodies.
   */
  reuse?: (bodyHash: string) => unknown;
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  /** The parsed JSON body (null for 204 and empty 2xx bodies). */
  json: unknown;
  /**
   * SHA-256 (hex) of the body's bytes as received: two responses with the
   * same bodyHash hold the same records, which lets a full sync recognise a
   * page it has mapped before (sync/page-digests.ts). Taken of the bytes,
   * not the decoded text, and SHA-256 rather than md5 since CPUs hash it in
   * hardware: a tenth of what parsing the body costs.
   */
  bodyHash: string;
  /** Whether json came from the request's `reuse` rather than from the body. */
  reused?: boolean;
  /** The request as it went out, credentials included: never report it unmasked. */
  request: HttpRequest;
}

export type Send = (req: HttpRequest, signal?: AbortSignal) => Promise<HttpResponse>;

export const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
/** How much of an error body goes into a message. */
const BODY_EXCERPT_CHARS = 300;
/** undici errors that say the request itself is wrong, not the network. */
const PERMANENT_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);

export interface TransportOptions {
  dispatcher: Dispatcher;
  /** One attempt's budget in milliseconds: connect, response headers and body together. */
  timeoutMs: number;
  /** Hides credentials in URLs and bodies quoted by error messages. */
  mask: (text: string) => string;
}

export function createTransport({ dispatcher, timeoutMs, mask }: TransportOptions): Send {
  return async (req, signal) => {
    const where = () => `${req.method} ${mask(req.url.href)}`;
    // One deadline for the whole attempt; undici's own timeouts are per phase.
    // A plain timer, cleared when the attempt ends, rather than
    // AbortSignal.timeout, which would leave one pending timer per request.
    const attempt = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = () => attempt.abort(signal!.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    let status: number;
    let headers: ResponseHeaders;
    let bytes: Buffer;
    try {
      const res = await request(req.url, {
        dispatcher,
        method: req.method as Dispatcher.HttpMethod,
        headers: req.headers,
        body: req.body,
        signal: attempt.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      headers = res.headers;
      const body = await res.body.bytes();
      bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      if (timedOut) {
        throw new ConnectorError(`${where()} timed out after ${timeoutMs} ms`, { url: mask(req.url.href), retryable: true });
      }
      const code = (err as { code?: string }).code;
      throw new ConnectorError(`${where()} failed: ${mask(String((err as Error).message))}${code ? ` (${code})` : ''}`, {
        url: mask(req.url.href),
        retryable: !PERMANENT_CODES.has(code ?? ''),
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }

    const url = mask(req.url.href);
    if (status < 200 || status >= 300) {
      const reason = `${where()} answered ${status}${excerpt(utf8Text(bytes), mask)}`;
      throw new ConnectorError(reason, {
        status,
        url,
        retryable: RETRYABLE_STATUSES.has(status),
        retryAfterMs: parseRetryAfter(headers['retry-after']),
      });
    }
    const bodyHash = hash('sha256', bytes, 'hex');
    if (status === 204 || isBlank(bytes)) return { status, headers, json: null, bodyHash, request: req };

    const type = String(headers['content-type'] ?? '');
    // application/json, application/vnd.github+json, application/hal+json...
    if (type && !/[/+]json\b/i.test(type)) {
      throw new ConnectorError(`${where()} answered with content type "${type}", not JSON${excerpt(utf8Text(bytes), mask)}`, {
        status,
        url,
      });
    }
    const known = req.reuse?.(bodyHash);
    if (known !== undefined) return { status, headers, json: known, bodyHash, reused: true, request: req };
    const text = utf8Text(bytes);
    try {
      const json: unknown = JSON.parse(text);
      return { status, headers, json, bodyHash, request: req };
    } catch (err) {
      // Usually a body cut short by the network or a proxy: worth another try.
      throw new ConnectorError(`${where()} returned invalid JSON (${(err as Error).message})${excerpt(text, mask)}`, {
        status,
        url,
        retryable: true,
      });
    }
  };
}

/** The body as text, as undici's text() gives it: UTF-8, a leading byte order mark dropped. */
function utf8Text(bytes: Buffer): string {
  return bytes.toString('utf8', hasBom(bytes) ? 3 : 0);
}

/** Empty, or only a byte order mark and whitespace (read from the start: a real body stops the scan at once). */
function isBlank(bytes: Buffer): boolean {
  for (let i = hasBom(bytes) ? 3 : 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  }
  return true;
}

function hasBom(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

function excerpt(text: string, mask: (s: string) => string): string {
  // Masked before cutting, so a secret straddling the cut cannot half-leak.
  const body = mask(text.length > 4 * BODY_EXCERPT_CHARS ? text.slice(0, 4 * BODY_EXCERPT_CHARS) : text).trim();
  if (!body) return '';
  const start = body.length > BODY_EXCERPT_CHARS ? `${body.slice(0, BODY_EXCERPT_CHARS)}…` : body;
  return `: ${start}`;
}
