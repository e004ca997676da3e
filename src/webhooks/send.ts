/**
 * One POST of one batch to a receiver, turned into an outcome the sender can
 * store: a 2xx is delivered; anything else (a status, a timeout, a refused
 * connection) is a failed attempt with a short reason. Nothing here throws
 * except when the caller aborts.
 */
import { request, type Dispatcher } from 'undici';
import { parseRetryAfter } from '../connectors/retry';

export interface Attempt {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The whole attempt's budget, connect to last byte, in ms. */
  timeoutMs: number;
}

export type AttemptOutcome =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string; retryAfterMs?: number };

/** How much of a receiver's error body goes into lastError. */
const EXCERPT_CHARS = 200;

export async function postBatch(dispatcher: Dispatcher, a: Attempt, signal: AbortSignal): Promise<AttemptOutcome> {
  // One deadline for the whole attempt; undici's own timeouts are per phase.
  const attempt = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    attempt.abort(new Error(`timed out after ${a.timeoutMs} ms`));
  }, a.timeoutMs);
  const onAbort = () => attempt.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await request(a.url, {
      dispatcher,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'tributary-webhooks', ...a.headers },
      body: a.body,
      signal: attempt.signal,
      headersTimeout: a.timeoutMs,
      bodyTimeout: a.timeoutMs,
    });
    const status = res.statusCode;
    if (status >= 200 && status < 300) {
      // The answer's body means nothing to us; read a little so the connection can be reused.
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
      return { ok: true, status };
    }
    const text = await readExcerpt(res.body);
    return {
      ok: false,
      status,
      error: `answered ${status}${text ? `: ${text}` : ''}`,
      retryAfterMs: parseRetryAfter(res.headers['retry-after']),
    };
  } catch (err) {
    if (signal.aborted) throw signal.reason ?? err;
    if (timedOut) return { ok: false, status: null, error: `timed out after ${a.timeoutMs} ms` };
    const code = (err as { code?: string }).code;
    return { ok: false, status: null, error: `${(err as Error).message}${code ? ` (${code})` : ''}` };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

async function readExcerpt(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += Buffer.from(chunk as Uint8Array).toString('utf8');
      if (text.length >= EXCERPT_CHARS) break;
    }
  } catch {
    // A body cut short says no more than the status did.
  }
  body.destroy();
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}
