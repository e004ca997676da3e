/**
 * One interface every paging style implements; index.ts keeps the registry.
 * A paginator is an async generator: it asks the context for pages, yields
 * each with the checkpoint of the page after it, and returns when the API
 * says there is nothing more.
 */
import type { PaginationConfig, PaginationType } from '../../domain';
import type { HttpRequest, ResponseHeaders } from '../http';
import type { PageCheckpoint } from '../types';

export interface FetchedPage {
  /** The array at the collection's dataPath. */
  records: unknown[];
  json: unknown;
  /** See HttpResponse.bodyHash. */
  bodyHash: string;
  /** json is FetchOptions.reuse's stand-in, not the parsed body. */
  reused: boolean;
  headers: ResponseHeaders;
  /** The request as sent; its url is what relative next links resolve against. */
  request: HttpRequest;
}

export interface PagingContext {
  /** The collection's own request with these query parameters set. */
  get(params: Record<string, string>): Promise<FetchedPage>;
  /** A URL the API handed out (already resolved), with these query parameters set. */
  follow(url: URL, params: Record<string, string>): Promise<FetchedPage>;
  /** The URL as a checkpoint may keep it: without a credential query parameter. */
  storable(url: URL): string;
}

export interface PagedResult {
  page: FetchedPage;
  /** Where the page after this one starts; null when this was the last. */
  next: PageCheckpoint | null;
}

export type Paginator<T extends PaginationType> = (
  config: Extract<PaginationConfig, { type: T }>,
  ctx: PagingContext,
  from: PageCheckpoint | null,
) => AsyncGenerator<PagedResult, void, undefined>;

/** limitParam=pageSize, sent on every page request where both are configured. */
export function sizeParams(config: { limitParam?: string; pageSize?: number }): Record<string, string> {
  return config.limitParam && config.pageSize ? { [config.limitParam]: String(config.pageSize) } : {};
}
