import type { Paginator } from './types';

/** One request, no paging: a checkpoint has nothing to resume. */
export const noPagination: Paginator<'NONE'> = async function* (_config, ctx) {
  yield { page: await ctx.get({}), next: null };
};
