/**
 * A collection's mapping, compiled once per run into a pure function from a
 * raw record to the stored record or an error. Paths and coercers are built
 * up front so the per-record work is one loop of getter + coercer calls.
 *
 * Two forms: compileMapping gives the record as an object (previews, tests);
 * compileMappingToJson gives it straight as the canonical JSON the sync
 * engine hashes and stores (sync/hash.ts), built field by field in key order
 * with no object in between, since that runs for every record of every page.
 */
import type { FieldType, MappedField } from '../domain';
import { canonicalJson } from './canonical-json';
import { COERCE_FAILED, coercerFor, coercionMessage, type Coercer } from './coerce';
import { compileJsonPath, type JsonPathGetter } from './jsonpath';

export type MappingResult = { ok: true; data: Record<string, unknown> } | { ok: false; error: string };
export type CompiledMapping = (raw: unknown) => MappingResult;
export type JsonMappingResult = { ok: true; json: string } | { ok: false; error: string };
export type CompiledJsonMapping = (raw: unknown) => JsonMappingResult;

interface CompiledField {
  field: MappedField;
  get: JsonPathGetter;
  coerce: Coercer;
}

/**
 * Without fields (null) the raw record is stored as it came; it must still
 * be a JSON object or array, since a bare string or number is no record.
 * Throws when a field's path is not a valid JSONPath (the admin API
 * validates paths with validateJsonPath before they get here).
 */
export function compileMapping(fields: MappedField[] | null): CompiledMapping {
  if (fields === null) return identity;
  const compiled = compileFields(fields);
  return (raw) => {
    if (raw === null || typeof raw !== 'object') return notAnObject(raw);
    const data: Record<string, unknown> = {};
    for (const { field, get, coerce } of compiled) {
      const value = get(raw);
      const out = coerce(value);
      if (out === COERCE_FAILED) return failed(field, value);
      // defineProperty: a field named __proto__ is a field, not the prototype.
      Object.defineProperty(data, field.name, { value: out, enumerable: true, writable: true, configurable: true });
    }
    return { ok: true, data };
  };
}

/** The same mapping as compileMapping, answering canonicalJson of its record. */
export function compileMappingToJson(fields: MappedField[] | null): CompiledJsonMapping {
  if (fields === null) {
    return (raw) => (raw !== null && typeof raw === 'object' ? { ok: true, json: canonicalJson(raw) } : notAnObject(raw));
  }
  const compiled = compileFields(fields);
  const count = compiled.length;
  // `{"a":`, `,"b":`, ...: fields are in key order, so the record's JSON is canonical as it is built.
  const prefixes = compiled.map(({ field }, i) => `${i ? ',' : '{'}${JSON.stringify(field.name)}:`);
  const writers = compiled.map(({ field }) => valueWriter(field.type));
  return (raw) => {
    if (raw === null || typeof raw !== 'object') return notAnObject(raw);
    let json = count ? '' : '{';
    for (let i = 0; i < count; i++) {
      const { field, get, coerce } = compiled[i]!;
      const value = get(raw);
      const out = coerce(value);
      if (out === COERCE_FAILED) return failed(field, value);
      json += prefixes[i]! + writers[i]!(out);
    }
    return { ok: true, json: json + '}' };
  };
}

function compileFields(fields: MappedField[]): CompiledField[] {
  // In key order: records come out canonical (sync/hash.ts) without sorting.
  return [...fields]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((field) => ({ field, get: compileJsonPath(field.path), coerce: coercerFor(field.type, field.format) }));
}

/** A coerced value of `type` as JSON: scalars print as JSON.stringify prints them; JSON values canonically. */
function valueWriter(type: FieldType): (value: unknown) => string {
  if (type === 'JSON') return canonicalJson;
  // Coerced values of the other types are null, strings, finite numbers or booleans.
  return (value) => (typeof value === 'string' ? JSON.stringify(value) : String(value));
}

const identity: CompiledMapping = (raw) =>
  raw !== null && typeof raw === 'object' ? { ok: true, data: raw as Record<string, unknown> } : notAnObject(raw);

function failed(field: MappedField, value: unknown): { ok: false; error: string } {
  return { ok: false, error: coercionMessage(field.name, field.type, value, field.format) };
}

function notAnObject(raw: unknown): { ok: false; error: string } {
  return { ok: false, error: `record is not a JSON object (got ${raw === null ? 'null' : typeof raw})` };
}
