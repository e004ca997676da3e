/**
 * Paging styles keyed by type, exactly as contract.graphql's PaginationType
 * describes them; adding one is a file and a line.
 */
import type { PaginationConfig, PaginationType } from '../../domain';
import { ConnectorError } from '../errors';
import type { PageCheckpoint } from '../types';
import { cursorPagination } from './cursor';
import { linkHeaderPagination } from './link-header';
import { nextUrlPagination } from './next-url';
import { noPagination } from './none';
import { offsetPagination } from './offset';
import { pagePagination } from './page';
import type { PagedResult, Paginator, PagingContext } from './types';

export type { FetchedPage, PagedResult, PagingContext } from './types';
export { parseLinkHeader, type Link } from './link';

const paginators: { [T in PaginationType]: Paginator<T> } = {
  NONE: noPagination,
  OFFSET: offsetPagination,
  PAGE: pagePagination,
  CURSOR: cursorPagination,
  NEXT_URL: nextUrlPagination,
  LINK_HEADER: linkHeaderPagination,
};

export function paginate(
  config: PaginationConfig,
  ctx: PagingContext,
  from: PageCheckpoint | null,
): AsyncGenerator<PagedResult, void, undefined> {
  const paginator = paginators[config.type] as Paginator<PaginationType> | undefined;
  if (!paginator) throw new ConnectorError(`unknown pagination type "${config.type}"`);
  return paginator(config as never, ctx, from);
}
