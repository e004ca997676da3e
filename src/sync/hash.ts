/**
 * Content hashes of mapped records. Equal hash means unchanged: the record is
 * not written, its version does not move and no event goes out. The hash is
 * taken over canonical JSON (object keys sorted) so that an API that sends
 * the same record with its keys in another order does not look changed.
 */
import { hash } from 'node:crypto';

/**
 * JSON.stringify with object keys sorted, otherwise the same rules:
 * undefined, functions and symbols are left out of objects and become null in
 * arrays, non-finite numbers become null, toJSON is honoured.
 */
export function canonicalJson(value: unknown): string {
  // Same rules as JSON.stringify, so where every object's keys are already in
  // order (mapped records are built that way) the native one gives the answer.
  if (inOrder(value, 0)) return JSON.stringify(value) ?? 'null';
  return write(value) ?? 'null';
}

/** Whether JSON.stringify(value) is canonical: keys sorted everywhere, nothing it would treat differently. */
function inOrder(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'bigint';
  if (depth > 32 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!inOrder(value[i], depth + 1)) return false;
    return true;
  }
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && keys[i - 1]! > keys[i]!) return false;
    if (!inOrder((value as Record<string, unknown>)[keys[i]!], depth + 1)) return false;
  }
  return true;
}

/** A value inside an object or array: natively when that subtree is in order already, so one unsorted object costs only itself. */
function part(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' && inOrder(value, 0) ? JSON.stringify(value) : write(value);
}

function write(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return write(withJson.toJSON());
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (part(value[i]) ?? 'null');
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      const keys = sortedKeys(obj);
      let out = '{';
      let first = true;
      for (const key of keys) {
        const v = part(obj[key]);
        if (v === undefined) continue;
        out += (first ? '' : ',') + quoted(key) + ':' + v;
        first = false;
      }
      return out + '}';
    }
    default:
      return undefined;
  }
}

function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return keys.sort();
  return keys;
}

// Records of one collection repeat the same few keys: quote each once.
const quotedKeys = new Map<string, string>();
function quoted(key: string): string {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, q);
  }
  return q;
}

/** 32 hex characters; md5 is plenty for telling versions of one record apart. One-shot crypto.hash: no Hash object per record. */
export function contentHash(canonical: string): string {
  return hash('md5', canonical, 'hex');
}
