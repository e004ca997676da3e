/**
 * Date parsing for mappings and watermarks. Date.parse is not used for
 * strings: it reads an ISO date-time without an offset in the process's
 * local time zone and accepts many shapes we would rather reject, so ISO 8601
 * and RFC 2822 are parsed here and a missing offset means UTC.
 */
import type { DateFormat } from '../domain';

/** 2024-03-05, 2024-03-05T10:20:30.123456+02:00, +0200, +02, Z or no offset. */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** [Tue, ]05 Mar 2024 10:20[:30] [+0000|GMT|UT|EST...] (RFC 2822 §3.3 with its obsolete zones). */
const RFC_2822 =
  /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,3})?$/;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = {
  ut: 0, gmt: 0, z: 0, edt: -4, est: -5, cdt: -5, cst: -6, mdt: -6, mst: -7, pdt: -7, pst: -8,
};

/** Milliseconds since the epoch, or null when `value` is not a date in `format`. */
export function parseDate(value: unknown, format: DateFormat = 'ISO8601'): number | null {
  if (format === 'UNIX_SECONDS' || format === 'UNIX_MILLIS') {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? numeric(value) : NaN;
    return checked(format === 'UNIX_SECONDS' ? n * 1000 : n);
  }
  // ISO8601 and RFC2822 both take either string form: the format names what
  // the API documents, and APIs are loose about it.
  if (typeof value !== 'string') return null;
  const canonical = canonicalUtcMs(value);
  if (canonical !== null) return canonical;
  const s = value.trim();
  return parseIso(s) ?? parseRfc2822(s);
}

function parseIso(s: string): number | null {
  const m = ISO_8601.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = fromParts(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(sec), ms);
  return utc === null ? null : checked(utc - offsetMinutes(zone) * 60_000);
}

function parseRfc2822(s: string): number | null {
  const m = RFC_2822.exec(s);
  if (!m) return null;
  const [, d, monthName, yearText, h, mi, sec = '0', zone] = m;
  const month = MONTHS.indexOf(monthName!.toLowerCase()) + 1;
  if (month === 0) return null;
  // RFC 2822 §4.3: two-digit years below 50 are 20xx, others 19xx.
  let year = Number(yearText);
  if (yearText!.length === 2) year += year < 50 ? 2000 : 1900;
  const utc = fromParts(year, month, Number(d), Number(h), Number(mi), Number(sec), 0);
  if (utc === null) return null;
  let offset = 0;
  if (zone && /^[+-]/.test(zone)) offset = offsetMinutes(zone);
  else if (zone) {
    const hours = ZONES[zone.toLowerCase()];
    // Military single letters are unreliable; RFC 2822 says to read them as +0000.
    if (hours === undefined && zone.length !== 1) return null;
    offset = (hours ?? 0) * 60;
  }
  return checked(utc - offset * 60_000);
}

function fromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || h > 24 || mi > 59 || s > 60) return null;
  if (h === 24 && (mi > 0 || s > 0 || ms > 0)) return null;
  // Date.UTC rolls 2024-02-30 over into March: reject instead.
  if (d > daysInMonth(y, mo)) return null;
  return Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59), ms);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** In the proleptic Gregorian calendar, as Date uses. */
function daysInMonth(y: number, mo: number): number {
  if (mo === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0)) return 29;
  return DAYS_IN_MONTH[mo - 1]!;
}

/**
 * Whether `s` is already what DATETIME stores (toISOString's form,
 * YYYY-MM-DDTHH:MM:SS.sssZ) and a real instant: most APIs send exactly
 * that, and it can then be kept as it is instead of parsed and printed again.
 */
export function isCanonicalUtc(s: string): boolean {
  return canonicalUtcMs(s) !== null;
}

/**
 * The instant of a canonical UTC string (see isCanonicalUtc), or null for
 * any other string. Read digit by digit, without a regex or substrings: it
 * runs for every date-time of every record (the coercer, then the
 * incremental cursor), so it is the one date path on the hot path.
 */
export function canonicalUtcMs(s: string): number | null {
  if (
    s.length !== 24 ||
    s.charCodeAt(4) !== DASH ||
    s.charCodeAt(7) !== DASH ||
    s.charCodeAt(10) !== T ||
    s.charCodeAt(13) !== COLON ||
    s.charCodeAt(16) !== COLON ||
    s.charCodeAt(19) !== DOT ||
    s.charCodeAt(23) !== Z
  ) {
    return null;
  }
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 7);
  const d = digitsAt(s, 8, 10);
  const h = digitsAt(s, 11, 13);
  const mi = digitsAt(s, 14, 16);
  const sec = digitsAt(s, 17, 19);
  const ms = digitsAt(s, 20, 23);
  // digitsAt answers -1 for a non-digit, which every lower bound here rejects.
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ms < 0) {
    return null;
  }
  // Date.UTC reads years 0-99 as 1900-1999; Date.parse reads this form exactly.
  return y < 100 ? Date.parse(s) : Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

const DASH = 45;
const COLON = 58;
const DOT = 46;
const T = 84;
const Z = 90;

/** The decimal number in s[from, to), or -1 when a character there is not a digit. */
function digitsAt(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
  return zone[0] === '-' ? -minutes : minutes;
}

function numeric(s: string): number {
  return /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/.test(s) ? Number(s) : NaN;
}

/** Outside ±8.64e15 ms a Date is invalid. */
function checked(ms: number): number | null {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : null;
}
