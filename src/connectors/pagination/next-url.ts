import { compileJsonPath } from '../../mapping/jsonpath';
import { isString, requireFields, resumeValue } from './checkpoint';
import { followLinks } from './follow';
import type { Paginator } from './types';

/**
 * Follows the URL at nextUrlPath in the body (Salesforce's nextRecordsUrl,
 * DRF's next), resolved against the URL of the response per RFC 3986, until
 * it is missing. Checkpoint: { type: 'NEXT_URL', url }.
 */
export const nextUrlPagination: Paginator<'NEXT_URL'> = async function* (config, ctx, from) {
  requireFields('NEXT_URL', config, ['nextUrlPath']);
  const nextAt = compileJsonPath(config.nextUrlPath);
  const resume = resumeValue('NEXT_URL', from, 'url', isString);
  yield* followLinks('NEXT_URL', config, ctx, resume, (page) => {
    const next = nextAt(page.json);
    return typeof next === 'string' && next !== '' ? next : undefined;
  });
};
