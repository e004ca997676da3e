/**
 * A collection's configuration becomes its first request: baseUrl and path
 * joined, {placeholders} filled, query, headers and JSON body set. Paginators
 * then vary the query (or follow URLs the API hands out).
 */
import type { CollectionConfig, JsonScalar, SourceConfig } from '../domain';
import { ConnectorError } from './errors';
import type { HttpRequest } from './http';

/**
 * The contract's joining rule: the path is appended to the baseUrl's path
 * (https://h/api + /v1/x = https://h/api/v1/x), unlike RFC 3986 resolution,
 * which would drop /api.
 */
export function joinUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  if (!path) return base;
  const [pathPart = '', query] = splitOnce(path, '?');
  const basePath = base.pathname.replace(/\/+$/, '');
  const rel = pathPart.replace(/^\/+/, '');
  base.pathname = rel ? `${basePath}/${rel}` : basePath || '/';
  if (query !== undefined) {
    for (const [k, v] of new URLSearchParams(query)) base.searchParams.append(k, v);
  }
  return base;
}

/** Fills {name} placeholders from pathParams, URL-encoded; a missing one is an error. */
export function fillPath(path: string, params: Record<string, JsonScalar>): string {
  return path.replace(/\{([^{}]+)\}/g, (_, name: string) => {
    const value = params[name.trim()];
    if (value === undefined || value === null) {
      throw new ConnectorError(`path "${path}" needs a value for {${name}} in pathParams`);
    }
    return encodeURIComponent(String(value));
  });
}

/** Strings, numbers and booleans as they print; arrays as repeated parameters. */
export function applyQuery(url: URL, query: Record<string, JsonScalar | JsonScalar[]>): void {
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(name, String(v));
    else if (value !== undefined && value !== null) url.searchParams.append(name, String(value));
  }
}

/** Headers every request of this collection carries: defaults, then source, then collection. */
export function baseHeaders(source: SourceConfig, collection: CollectionConfig): Record<string, string> {
  return { accept: 'application/json', ...lowerKeys(source.headers), ...lowerKeys(collection.headers) };
}

export function buildRequest(source: SourceConfig, collection: CollectionConfig): HttpRequest {
  const method = (collection.method || 'GET').toUpperCase();
  const url = joinUrl(source.baseUrl, fillPath(collection.path, collection.pathParams ?? {}));
  applyQuery(url, collection.query ?? {});
  const headers = baseHeaders(source, collection);
  const req: HttpRequest = { method, url, headers };
  if (method !== 'GET' && method !== 'HEAD' && collection.body !== undefined && collection.body !== null) {
    req.body = JSON.stringify(collection.body);
    headers['content-type'] ??= 'application/json';
  }
  return req;
}

/** A copy fit for one attempt: layers may change headers and query freely. */
export function cloneRequest(req: HttpRequest): HttpRequest {
  return { method: req.method, url: new URL(req.url), headers: { ...req.headers }, body: req.body, reuse: req.reuse };
}

/** Header names are case-insensitive; lower-case keys let later sources override earlier ones. */
function lowerKeys(headers: Record<string, string> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = String(v);
  return out;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
