/**
 * The loop NEXT_URL and LINK_HEADER share: fetch, find the next reference,
 * resolve it against the URL the page came from (RFC 3986 §5, so
 * "/services/data/v59.0/query/01gX-2000" and "?page=2" both work), guard
 * against a URL seen before, and keep it in the checkpoint without
 * credentials (the auth layer adds them back on every request).
 */
import { ConnectorError } from '../errors';
import { LoopGuard } from './checkpoint';
import { sizeParams, type FetchedPage, type PagedResult, type PagingContext } from './types';

export async function* followLinks(
  type: 'NEXT_URL' | 'LINK_HEADER',
  config: { limitParam?: string; pageSize?: number },
  ctx: PagingContext,
  resume: string | undefined,
  nextOf: (page: FetchedPage) => string | undefined,
): AsyncGenerator<PagedResult, void, undefined> {
  const sizing = sizeParams(config);
  const guard = new LoopGuard('next URL');
  let url: URL | undefined = resume === undefined ? undefined : new URL(resume);
  if (url) guard.visit(ctx.storable(url));
  for (;;) {
    const page = url ? await ctx.follow(url, sizing) : await ctx.get(sizing);
    const reference = nextOf(page);
    if (reference === undefined) {
      yield { page, next: null };
      return;
    }
    try {
      url = new URL(reference, page.request.url);
    } catch {
      throw new ConnectorError(`${type} pagination: cannot read "${reference}" as a URL`);
    }
    const stored = ctx.storable(url);
    guard.visit(stored);
    yield { page, next: { type, url: stored } };
  }
}
