import { isString, resumeValue } from './checkpoint';
import { followLinks } from './follow';
import { parseLinkHeader } from './link';
import type { Paginator } from './types';

/**
 * Follows rel="next" of the RFC 8288 Link response header (GitHub), resolved
 * against the URL of the response, until there is none.
 * Checkpoint: { type: 'LINK_HEADER', url }.
 */
export const linkHeaderPagination: Paginator<'LINK_HEADER'> = async function* (config, ctx, from) {
  const resume = resumeValue('LINK_HEADER', from, 'url', isString);
  yield* followLinks('LINK_HEADER', config, ctx, resume, (page) => {
    const header = page.headers.link;
    const links = parseLinkHeader(Array.isArray(header) ? header.join(', ') : header ?? '');
    return links.find((link) => link.rel.includes('next'))?.target;
  });
};
