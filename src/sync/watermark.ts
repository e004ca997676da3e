/**
 * Incremental runs ask for what changed since the collection's watermark:
 * the largest last-modified value (incremental.cursorPath) of the successful
 * runs so far. Values are compared as instants, never as strings, since
 * "2024-01-02T00:00:00+02:00" sorts after "2024-01-01T23:00:00Z" as text but
 * is earlier in time. The watermark is kept in the collection's format.
 */
import type { IncrementalConfig, WatermarkFormat } from '../domain';
import { compileJsonPath } from '../mapping/jsonpath';
import { parseDate } from '../mapping/dates';

/** Milliseconds since the epoch, or null when `value` is no instant in any format we know. */
export function cursorInstant(value: unknown, format: WatermarkFormat): number | null {
  if (value === null || value === undefined || value === '') return null;
  const primary = parseDate(value, format);
  if (primary !== null) return primary;
  // APIs are loose: an ISO collection may send epoch numbers and the other way round.
  if (typeof value === 'number') return parseDate(value, format === 'UNIX_MILLIS' ? 'UNIX_MILLIS' : 'UNIX_SECONDS');
  return parseDate(value, 'ISO8601');
}

export function formatInstant(ms: number, format: WatermarkFormat): string {
  if (format === 'UNIX_SECONDS') return String(Math.floor(ms / 1000));
  if (format === 'UNIX_MILLIS') return String(Math.floor(ms));
  return new Date(ms).toISOString();
}

/**
 * The value sent as `sinceParam`: the watermark minus the lookback, so late
 * writes just before it are read again (the content hash makes the overlap
 * cost nothing but the fetch). Null without a watermark: read everything.
 */
export function sinceValue(incremental: IncrementalConfig, watermark: string | null): string | null {
  if (watermark === null) return null;
  const at = cursorInstant(watermark, incremental.format);
  if (at === null) return null;
  return formatInstant(at - incremental.lookbackSeconds * 1000, incremental.format);
}

/** Tracks the largest cursor value of a run across pages (resumed runs start from what they saved). */
export class CursorTracker {
  private readonly at: (raw: unknown) => unknown;
  private maxMs: number | null;

  constructor(
    private readonly incremental: IncrementalConfig,
    saved: string | null,
  ) {
    this.at = compileJsonPath(incremental.cursorPath);
    this.maxMs = saved === null ? null : cursorInstant(saved, incremental.format);
  }

  see(raw: unknown): void {
    this.seeInstant(cursorInstant(this.at(raw), this.incremental.format));
  }

  /** A value as `value` gives it (a page's largest, kept with its digest). */
  seeValue(value: string | null): void {
    if (value !== null) this.seeInstant(cursorInstant(value, this.incremental.format));
  }

  /** Takes in what another tracker saw (one page's own). */
  absorb(other: CursorTracker): void {
    this.seeInstant(other.maxMs);
  }

  /** A tracker of the same cursor that has seen nothing. */
  fresh(): CursorTracker {
    return new CursorTracker(this.incremental, null);
  }

  private seeInstant(ms: number | null): void {
    if (ms !== null && (this.maxMs === null || ms > this.maxMs)) this.maxMs = ms;
  }

  /** The largest value so far, formatted, or null when no record had one. */
  get value(): string | null {
    return this.maxMs === null ? null : formatInstant(this.maxMs, this.incremental.format);
  }
}

/** The later of the old watermark and what a successful run saw. */
export function advanceWatermark(incremental: IncrementalConfig, old: string | null, seen: string | null): string | null {
  if (seen === null) return old;
  if (old === null) return seen;
  const a = cursorInstant(old, incremental.format);
  const b = cursorInstant(seen, incremental.format);
  return a !== null && b !== null && a >= b ? old : seen;
}
