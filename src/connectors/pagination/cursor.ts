import { compileJsonPath } from '../../mapping/jsonpath';
import { isString, LoopGuard, requireFields, resumeValue } from './checkpoint';
import { sizeParams, type Paginator } from './types';

/**
 * cursorParam takes the value at cursorPath in the body (HubSpot's
 * paging.next.after) or, with cursorFromLastRecord, in the page's last
 * record (Stripe's starting_after=<last id>). Stops when the cursor is
 * missing, null or empty, or hasMorePath reads false.
 * Checkpoint: { type: 'CURSOR', cursor }.
 */
export const cursorPagination: Paginator<'CURSOR'> = async function* (config, ctx, from) {
  requireFields('CURSOR', config, ['cursorParam', 'cursorPath']);
  const cursorAt = compileJsonPath(config.cursorPath);
  const hasMoreAt = config.hasMorePath ? compileJsonPath(config.hasMorePath) : null;
  const sizing = sizeParams(config);
  const guard = new LoopGuard('cursor');
  let cursor = resumeValue('CURSOR', from, 'cursor', isString);
  if (cursor !== undefined) guard.visit(cursor);
  for (;;) {
    const page = await ctx.get(cursor === undefined ? sizing : { ...sizing, [config.cursorParam]: cursor });
    const source = config.cursorFromLastRecord ? page.records[page.records.length - 1] : page.json;
    const next = cursorText(source === undefined ? undefined : cursorAt(source));
    const more = hasMoreAt ? !isFalse(hasMoreAt(page.json)) : true;
    if (next === undefined || !more) {
      yield { page, next: null };
      return;
    }
    guard.visit(next);
    cursor = next;
    yield { page, next: { type: 'CURSOR', cursor } };
  }
};

function cursorText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** APIs write "no more" as false, "false" or 0. */
function isFalse(value: unknown): boolean {
  return value === false || value === 0 || value === 'false';
}
