/**
 * JSONPath, compiled once per path. Mappings, id paths and data paths run on
 * every record of every page, so the common case — a chain of plain property
 * names and indices like `$.paging.next.after` — is read by direct property
 * access; anything richer (wildcards, filters, recursive descent, slices)
 * falls back to jsonpath-plus. Either way a getter returns the first match or
 * undefined.
 */
import { JSONPath } from 'jsonpath-plus';

export type JsonPathGetter = (value: unknown) => unknown;

/** Segments jsonpath-plus gives a meaning beyond "property of that name". */
const SPECIAL_SEGMENT = /^(?:\.\.|\$|`)|[*~^@?(),:]/;

export function compileJsonPath(path: string): JsonPathGetter {
  const problem = validateJsonPath(path);
  if (problem) throw new Error(problem);
  // toPathArray caches and shares its arrays: copy before keeping one.
  const segments = [...JSONPath.toPathArray(path)].slice(1);
  if (segments.length === 0) return (value) => value;
  if (segments.every((s) => !SPECIAL_SEGMENT.test(s))) return propertyGetter(segments);
  return (value) => {
    // jsonpath-plus refuses undefined input; nothing can match in it anyway.
    if (value === undefined) return undefined;
    const found = JSONPath({ path, json: value as object, wrap: true, eval: 'safe' }) as unknown[];
    return found[0];
  };
}

function propertyGetter(segments: string[]): JsonPathGetter {
  if (segments.length === 1) {
    const [key] = segments as [string];
    return (value) => step(value, key);
  }
  return (value) => {
    let current = value;
    for (let i = 0; i < segments.length && current !== undefined; i++) {
      current = step(current, segments[i]!);
    }
    return current;
  };
}

function step(value: unknown, key: string): unknown {
  // Own properties only: `$.constructor` must not reach Object.prototype.
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, key)) {
    return (value as Record<string, unknown>)[key];
  }
  return undefined;
}

/**
 * Why `path` is not a usable JSONPath, as a message for the admin API, or
 * null when it is. jsonpath-plus's parser is lenient (it reads `$.a[` as
 * `$.a`), so brackets, parentheses and quotes are checked here first.
 */
export function validateJsonPath(path: string): string | null {
  if (typeof path !== 'string' || path.trim() === '') return 'JSONPath is empty';
  if (!path.startsWith('$')) return `JSONPath "${path}" must start with "$"`;
  const stack: string[] = [];
  let quote: string | null = null;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') stack.push(c);
    else if (c === ']' || c === ')') {
      const open = stack.pop();
      if (open !== (c === ']' ? '[' : '(')) return `JSONPath "${path}" has an unbalanced "${c}" at position ${i}`;
    }
  }
  if (quote) return `JSONPath "${path}" has an unterminated ${quote} quote`;
  if (stack.length > 0) return `JSONPath "${path}" has an unclosed "${stack[stack.length - 1]}"`;
  if (/\.{3,}/.test(path) || /\.$/.test(path) || /\[\s*\]/.test(path)) return `JSONPath "${path}" has an empty segment`;
  if (!/^\$(?:[.[]|$)/.test(path)) return `JSONPath "${path}" must continue after "$" with "." or "["`;
  try {
    JSONPath.toPathArray(path);
    JSONPath({ path, json: {}, wrap: true, eval: 'safe' });
  } catch (err) {
    return `JSONPath "${path}" is invalid: ${(err as Error).message}`;
  }
  return null;
}
