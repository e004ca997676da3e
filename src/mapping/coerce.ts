/**
 * Coercion of one raw value to a mapped field's type. Each coercer returns
 * the stored value or the COERCE_FAILED marker (no exception and no message
 * built on the hot path; compile.ts writes the message once a value failed).
 *
 * Decisions worth knowing:
 * - null and undefined are null for every type.
 * - TEXT rejects objects and arrays rather than JSON-stringifying them: a
 *   TEXT field pointed at an object is almost always a wrong path, and JSON
 *   is the type for structured values.
 * - NUMBER takes finite numbers and decimal strings (no hex, no "", no
 *   Infinity); BOOLEAN takes true/false, 1/0 and "true"/"false", "1"/"0",
 *   "yes"/"no" in any case.
 * - DATE is "YYYY-MM-DD" of the instant in UTC; DATETIME is toISOString().
 */
import type { DateFormat, FieldType } from '../domain';
import { isCanonicalUtc, parseDate } from './dates';

export const COERCE_FAILED: unique symbol = Symbol('coerce failed');
export type Coercer = (value: unknown) => unknown;

const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

const text: Coercer = (v) => {
  if (v == null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return COERCE_FAILED;
};

const number: Coercer = (v) => {
  if (v == null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : COERCE_FAILED;
  if (typeof v === 'string' && DECIMAL.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : COERCE_FAILED;
  }
  return COERCE_FAILED;
};

const boolean: Coercer = (v) => {
  if (v == null) return null;
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string') {
    const word = v.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  return COERCE_FAILED;
};

const json: Coercer = (v) => (v === undefined ? null : v);

function dateTime(format: DateFormat): Coercer {
  return (v) => {
    if (v == null) return null;
    if (typeof v === 'string' && format !== 'UNIX_SECONDS' && format !== 'UNIX_MILLIS' && isCanonicalUtc(v)) return v;
    const ms = parseDate(v, format);
    return ms === null ? COERCE_FAILED : new Date(ms).toISOString();
  };
}

function date(format: DateFormat): Coercer {
  return (v) => {
    if (v == null) return null;
    // A calendar date is kept as the API wrote it, not shifted through a time zone.
    if (typeof v === 'string' && (format === 'ISO8601' || format === 'RFC2822')) {
      const m = PLAIN_DATE.exec(v.trim());
      if (m) return parseDate(m[0], 'ISO8601') === null ? COERCE_FAILED : m[0];
    }
    const ms = parseDate(v, format);
    return ms === null ? COERCE_FAILED : new Date(ms).toISOString().slice(0, 10);
  };
}

/** The coercer for a field type; `format` matters for DATE and DATETIME only. */
export function coercerFor(type: FieldType, format: DateFormat = 'ISO8601'): Coercer {
  switch (type) {
    case 'TEXT':
      return text;
    case 'NUMBER':
      return number;
    case 'BOOLEAN':
      return boolean;
    case 'DATE':
      return date(format);
    case 'DATETIME':
      return dateTime(format);
    case 'JSON':
      return json;
  }
}

/** Coerces one value, throwing a message naming the field and the value when it cannot. */
export function coerceValue(field: string, type: FieldType, value: unknown, format?: DateFormat): unknown {
  const out = coercerFor(type, format)(value);
  if (out === COERCE_FAILED) throw new Error(coercionMessage(field, type, value, format));
  return out;
}

export function coercionMessage(field: string, type: FieldType, value: unknown, format?: DateFormat): string {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (shown.length > 100) shown = `${shown.slice(0, 100)}…`;
  const as = type === 'DATE' || type === 'DATETIME' ? `${type} (${format ?? 'ISO8601'})` : type;
  return `field "${field}": cannot read ${shown} as ${as}`;
}
