import { isNumber, requireFields, resumeValue } from './checkpoint';
import type { Paginator } from './types';

/**
 * offsetParam=0,pageSize,2*pageSize… with limitParam=pageSize. Stops on a
 * page shorter than pageSize (an API capping the limit lower looks the same
 * and also stops: ask for what it allows) or an empty one.
 * Checkpoint: { type: 'OFFSET', offset }.
 */
export const offsetPagination: Paginator<'OFFSET'> = async function* (config, ctx, from) {
  requireFields('OFFSET', config, ['offsetParam', 'limitParam', 'pageSize']);
  let offset = resumeValue('OFFSET', from, 'offset', isNumber) ?? 0;
  for (;;) {
    const page = await ctx.get({
      [config.offsetParam]: String(offset),
      [config.limitParam]: String(config.pageSize),
    });
    const count = page.records.length;
    offset += count;
    const last = count === 0 || count < config.pageSize;
    yield { page, next: last ? null : { type: 'OFFSET', offset } };
    if (last) return;
  }
};
