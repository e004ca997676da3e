/**
 * A page body without its records, for paging through it again without
 * parsing it. Paginators read only the envelope (cursors, next links, totals,
 * has-more flags), how many records there are and the last record (a
 * cursor taken from it), so that is all a skeleton keeps: the body with the
 * records array cut down to its last element, as JSON text. `fleshOut` gives
 * it back the array's length. The sync engine stores one per page digest
 * (sync/page-digests.ts) and hands it to the request's `reuse`.
 */
import type { JsonPathGetter } from '../mapping/jsonpath';

export function skeletonOf(json: unknown, records: unknown[]): string {
  const cut = records.length > 0 ? [records[records.length - 1]] : [];
  return JSON.stringify(replaceNode(json, records, cut));
}

/**
 * The skeleton as a paginator may read it: its records array (at dataPath)
 * `size` long again, the last record last. Undefined when the skeleton does
 * not fit (no single-record array there).
 */
export function fleshOut(skeleton: string, recordsAt: JsonPathGetter, size: number): unknown {
  const json: unknown = JSON.parse(skeleton);
  const records = recordsAt(json);
  if (!Array.isArray(records) || records.length !== 1 || size < 1) return undefined;
  const last: unknown = records[0];
  records.length = size;
  if (size > 1) records[0] = undefined;
  records[size - 1] = last;
  return json;
}

/** A copy of `node` with `target` (by identity) replaced; nothing inside `target` is visited. */
function replaceNode(node: unknown, target: unknown, replacement: unknown): unknown {
  if (node === target) return replacement;
  if (Array.isArray(node)) return node.map((n) => replaceNode(n, target, replacement));
  if (node !== null && typeof node === 'object') {
    // No prototype: a key named __proto__ stays a key.
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(node)) out[key] = replaceNode((node as Record<string, unknown>)[key], target, replacement);
    return out;
  }
  return node;
}
