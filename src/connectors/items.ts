/** Raw records become items: each with its external id read at idPath. */
import type { JsonPathGetter } from '../mapping/jsonpath';
import type { RawItem } from './types';

export function toItems(records: unknown[], idAt: JsonPathGetter): RawItem[] {
  const items = new Array<RawItem>(records.length);
  for (let i = 0; i < records.length; i++) {
    const raw = records[i];
    items[i] = { externalId: externalIdOf(idAt(raw)), raw };
  }
  return items;
}

/** Strings as they are, finite numbers as strings; anything else is no id. */
export function externalIdOf(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return null;
}
