/**
 * OAuth 2.0 client credentials grant (RFC 6749 §4.4).
 *
 * - Token request: POST, form-encoded grant_type=client_credentials (+scope).
 *   Client credentials go in the body first (§2.3.1's alternative, which
 *   most APIs that document this grant accept); if the token endpoint
 *   answers 401, or 400 with invalid_client, we switch to HTTP Basic with
 *   form-urlencoded id and secret (§2.3.1's required method) and remember
 *   the switch for the source.
 * - The token is cached for the source until shortly before expires_in runs
 *   out (10% of its life, at most 30 s); without expires_in it is kept until
 *   the API rejects it. Concurrent requests share one token fetch.
 * - A 401 from the API drops the token that was rejected; the request is
 *   retried once with a new one (withAuth in index.ts).
 * - tokenUrl is absolute or relative to baseUrl, joined like collection paths.
 */
import { ConnectorError } from '../errors';
import { joinUrl } from '../request';
import type { AuthStrategy } from './types';

const MAX_EARLY_RENEWAL_MS = 30_000;

interface Token {
  value: string;
  /** performance.now() after which we fetch a new one. */
  renewAt: number;
}

export const oauth2ClientCredentials: AuthStrategy<'OAUTH2_CLIENT_CREDENTIALS'> = (config, { source, send }) => {
  const tokenUrl = /^[a-z][a-z\d+.-]*:/i.test(config.tokenUrl)
    ? new URL(config.tokenUrl)
    : joinUrl(source.baseUrl, config.tokenUrl);
  let token: Token | null = null;
  let pending: Promise<Token> | null = null;
  let useBasic = false;
  /** Recent tokens handed out, so a late error message cannot quote an old one. */
  const issued = new Set<string>();

  async function requestToken(): Promise<Token> {
    try {
      return await tokenCall(useBasic);
    } catch (err) {
      const status = err instanceof ConnectorError ? err.details.status : undefined;
      const rejectedClient = status === 401 || (status === 400 && /invalid_client/.test((err as Error).message));
      if (useBasic || !rejectedClient) throw err;
      useBasic = true;
      return tokenCall(true);
    }
  }

  async function tokenCall(basic: boolean): Promise<Token> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (config.scope) form.set('scope', config.scope);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (basic) {
      const pair = `${formEncode(config.clientId)}:${formEncode(config.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', config.clientId);
      form.set('client_secret', config.clientSecret);
    }
    const res = await send({ method: 'POST', url: new URL(tokenUrl), headers, body: form.toString() });
    const body = (res.json ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new ConnectorError(`token endpoint ${tokenUrl.href} answered without an access_token`, { url: tokenUrl.href });
    }
    issued.add(body.access_token);
    // Only recent tokens can still show up in a message.
    if (issued.size > 8) issued.delete(issued.values().next().value!);
    const lifeMs = Number(body.expires_in) * 1000;
    const renewAt =
      Number.isFinite(lifeMs) && lifeMs > 0
        ? performance.now() + lifeMs - Math.min(MAX_EARLY_RENEWAL_MS, lifeMs * 0.1)
        : Infinity;
    return { value: body.access_token, renewAt };
  }

  async function currentToken(signal?: AbortSignal): Promise<string> {
    if (token && performance.now() < token.renewAt) return token.value;
    if (!pending) {
      // Not tied to the caller's signal: other runs may be waiting on it too.
      pending = requestToken().then(
        (t) => ((token = t), (pending = null), t),
        (err: unknown) => {
          pending = null;
          // The token call has had its own retries: retrying the API request
          // around it would multiply them.
          throw err instanceof ConnectorError ? new ConnectorError(err.message, { ...err.details, retryable: false }) : err;
        },
      );
    }
    const shared = pending;
    if (!signal) return (await shared).value;
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      shared.then(
        (t) => (signal.removeEventListener('abort', onAbort), resolve(t.value)),
        (err) => (signal.removeEventListener('abort', onAbort), reject(err)),
      );
    });
  }

  return {
    async apply(req, signal) {
      req.headers.authorization = `Bearer ${await currentToken(signal)}`;
    },
    renew(req) {
      // Only drop the token this request carried: another request may already
      // have renewed it, and its fresh token must not be thrown away.
      if (token && req.headers.authorization === `Bearer ${token.value}`) token = null;
      return true;
    },
    secrets: () => [config.clientSecret, ...issued],
  };
};

/** application/x-www-form-urlencoded, as §2.3.1 asks before Basic-encoding. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
