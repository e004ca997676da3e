/**
 * What a paginator works with during one run: the request pipeline composed
 * for the run (retry around auth around rate limit around the wire, each
 * attempt counted) and the collection's request, with the records array
 * taken out of each response at dataPath.
 */
import type { CollectionConfig, SourceConfig } from '../domain';
import { compileJsonPath } from '../mapping/jsonpath';
import { withAuth } from './auth/index';
import type { SourceClient } from './client';
import { ConnectorError } from './errors';
import type { HttpRequest, Send } from './http';
import type { FetchedPage, PagingContext } from './pagination/index';
import { rateLimiterFor, withRateLimit } from './rate-limit';
import { baseHeaders, buildRequest } from './request';
import { withRetry } from './retry';
import type { FetchOptions, RequestCounters } from './types';

export function composePipeline(client: SourceClient, counters: RequestCounters): Send {
  const counted: Send = (req, signal) => {
    counters.requests++;
    return client.transport(req, signal);
  };
  const limited = withRateLimit(counted, rateLimiterFor(client.source));
  const authed = withAuth(limited, client.auth, () => counters.retries++);
  return withRetry(authed, { policy: client.source.retry, onRetry: () => counters.retries++ });
}

export function createPagingContext(
  client: SourceClient,
  source: SourceConfig,
  collection: CollectionConfig,
  opts: FetchOptions,
): PagingContext {
  const counters = opts.counters ?? { requests: 0, retries: 0 };
  const send = composePipeline(client, counters);
  const recordsAt = compileJsonPath(collection.dataPath || '$');
  const first = buildRequest(source, collection);
  const headers = baseHeaders(source, collection);
  const origin = new URL(source.baseUrl).origin;
  const extra = opts.extraQuery ?? {};
  const credentialParam = client.auth.queryParam;

  async function fetchPage(req: HttpRequest): Promise<FetchedPage> {
    const res = await send(req, opts.signal);
    const records = recordsAt(res.json);
    if (!Array.isArray(records)) {
      const got = records === undefined ? 'nothing' : records === null ? 'null' : typeof records === 'object' ? 'an object' : `a ${typeof records}`;
      throw new ConnectorError(
        `${req.method} ${client.mask(res.request.url.href)}: expected an array of records at dataPath "${collection.dataPath}", found ${got}`,
        { status: res.status, url: client.mask(res.request.url.href) },
      );
    }
    return { records, json: res.json, bodyHash: res.bodyHash, reused: res.reused === true, headers: res.headers, request: res.request };
  }

  return {
    get(params) {
      const url = new URL(first.url);
      setParams(url, extra);
      setParams(url, params);
      return fetchPage({ ...first, url, headers: { ...first.headers }, reuse: opts.reuse });
    },
    follow(url, params) {
      // Source and collection headers carry credentials-like values too; an
      // API must not steer them to another host.
      if (url.origin !== origin) {
        throw new ConnectorError(
          `next page URL ${client.mask(url.href)} is not on ${origin}; refusing to send the source's credentials there`,
        );
      }
      const next = new URL(url);
      setParams(next, extra);
      setParams(next, params);
      // The body of a POST collection belongs to its first request only; a
      // next link is a plain GET (Salesforce, DRF, GitHub all mean that).
      return fetchPage({ method: 'GET', url: next, headers: { ...headers }, reuse: opts.reuse });
    },
    storable(url) {
      if (!credentialParam || !url.searchParams.has(credentialParam)) return url.href;
      const clean = new URL(url);
      clean.searchParams.delete(credentialParam);
      return clean.href;
    },
  };
}

function setParams(url: URL, params: Record<string, string>): void {
  for (const name in params) url.searchParams.set(name, params[name]!);
}
