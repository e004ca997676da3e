/**
 * What paginators share about checkpoints: reading one back (it names the
 * paging type that wrote it, so a changed collection cannot misread it),
 * refusing configs that lack a field, and noticing an API that sends the
 * same cursor or URL again, which would otherwise loop forever.
 */
import type { PaginationType } from '../../domain';
import { ConnectorError } from '../errors';
import type { PageCheckpoint } from '../types';

/** The checkpoint's field `key` when it was written by `type`, or undefined to start at the beginning. */
export function resumeValue<V>(
  type: PaginationType,
  from: PageCheckpoint | null,
  key: string,
  check: (v: unknown) => v is V,
): V | undefined {
  if (!from) return undefined;
  if (from.type !== type || !check(from[key])) {
    throw new ConnectorError(
      `cannot resume from checkpoint ${JSON.stringify(from)}: it was not written by ${type} pagination`,
    );
  }
  return from[key];
}

export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** One clear message per missing field, before any request goes out. */
export function requireFields(type: PaginationType, config: object, fields: string[]): void {
  for (const field of fields) {
    const value = (config as Record<string, unknown>)[field];
    if (value === undefined || value === null || value === '') {
      throw new ConnectorError(`${type} pagination needs ${field}`);
    }
  }
}

export class LoopGuard {
  private readonly seen = new Set<string>();

  constructor(private readonly what: string) {}

  /** Throws when `key` came up before in this run. */
  visit(key: string, shown: string = key): void {
    if (this.seen.has(key)) {
      throw new ConnectorError(`the API returned the same ${this.what} twice (${shown}); stopping instead of looping`);
    }
    this.seen.add(key);
  }
}
