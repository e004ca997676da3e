/**
 * Canonical JSON: what a record's content hash is taken of (sync/hash.ts)
 * and what is stored. Object keys sorted at every depth, so the same record
 * sent with its keys in another order is the same text.
 */

/**
 * JSON.stringify with object keys sorted, otherwise the same rules:
 * undefined, functions and symbols are left out of objects and become null in
 * arrays, non-finite numbers become null, toJSON is honoured.
 */
export function canonicalJson(value: unknown): string {
  // Records are mostly in key order already (mappings build them that way),
  // and JSON.stringify is far faster than anything written here: give it a
  // copy where only the objects out of order are rebuilt in order.
  const sorted = sortedCopy(value);
  if (sorted !== EXOTIC) return JSON.stringify(sorted) ?? 'null';
  return write(value) ?? 'null';
}

/** What sortedCopy answers where JSON.stringify would not follow the canonical rules on its own. */
const EXOTIC: unique symbol = Symbol('exotic');

/**
 * `value` with every object's keys in order, sharing whatever already is.
 * EXOTIC for what only write() handles: toJSON (whose result may be out of
 * order), bigint, and keys that look like integers, which every object
 * enumerates first and in numeric order ("2" before "10"), whatever order
 * they were set in.
 */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? EXOTIC : value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return EXOTIC;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const sorted = sortedCopy(item);
      if (sorted === EXOTIC) return EXOTIC;
      if (sorted !== item) (copy ??= value.slice())[i] = sorted;
    }
    return copy ?? value;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let ordered = true;
  for (let i = 0; i < keys.length; i++) {
    const first = keys[i]!.charCodeAt(0);
    if (first >= 48 && first <= 57) return EXOTIC;
    if (i > 0 && keys[i - 1]! > keys[i]!) ordered = false;
  }
  if (!ordered) keys.sort();
  let copy: Record<string, unknown> | null = null;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = obj[key];
    const sorted = sortedCopy(item);
    if (sorted === EXOTIC) return EXOTIC;
    if (copy === null && (sorted !== item || !ordered)) {
      copy = {};
      for (let j = 0; j < i; j++) put(copy, keys[j]!, obj[keys[j]!]);
    }
    if (copy !== null) put(copy, key, sorted);
  }
  return copy ?? obj;
}

/**
 * An own "__proto__" key (JSON.parse makes those) stays a plain key rather
 * than setting the prototype. Not a null-prototype object instead: V8 keeps
 * those as dictionaries, which JSON.stringify walks several times slower.
 */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** A value inside an object or array: natively when that subtree can be, so one exotic value costs only itself. */
function part(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object') {
    const sorted = sortedCopy(value);
    if (sorted !== EXOTIC) return JSON.stringify(sorted);
  }
  return write(value);
}

/** The slow path, for what sortedCopy cannot hand to JSON.stringify (see EXOTIC). */
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
      let out = '{';
      let first = true;
      for (const key of Object.keys(obj).sort()) {
        const v = part(obj[key]);
        if (v === undefined) continue;
        out += (first ? '' : ',') + JSON.stringify(key) + ':' + v;
        first = false;
      }
      return out + '}';
    }
    default:
      return undefined;
  }
}
