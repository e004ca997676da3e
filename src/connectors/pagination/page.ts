import { compileJsonPath } from '../../mapping/jsonpath';
import { isNumber, requireFields, resumeValue } from './checkpoint';
import { sizeParams, type Paginator } from './types';

/**
 * pageParam=startPage (default 1), startPage+1… with limitParam=pageSize
 * when given. Stops on an empty page, a page shorter than pageSize, or at the
 * last page by the count at totalPagesPath. Checkpoint: { type: 'PAGE', page }.
 */
export const pagePagination: Paginator<'PAGE'> = async function* (config, ctx, from) {
  requireFields('PAGE', config, ['pageParam']);
  const startPage = config.startPage ?? 1;
  const totalPages = config.totalPagesPath ? compileJsonPath(config.totalPagesPath) : null;
  const sizing = sizeParams(config);
  let page = resumeValue('PAGE', from, 'page', isNumber) ?? startPage;
  for (;;) {
    const fetched = await ctx.get({ ...sizing, [config.pageParam]: String(page) });
    const count = fetched.records.length;
    const total = totalPages ? Number(totalPages(fetched.json)) : NaN;
    const last =
      count === 0 ||
      (config.pageSize !== undefined && count < config.pageSize) ||
      (Number.isFinite(total) && page >= startPage + total - 1);
    page += 1;
    yield { page: fetched, next: last ? null : { type: 'PAGE', page } };
    if (last) return;
  }
};
