/**
 * A collection's mapping, compiled once per run into a pure function from a
 * raw record to the stored record or an error. Paths and coercers are built
 * up front so the per-record work is one loop of getter + coercer calls.
 */
import type { MappedField } from '../domain';
import { COERCE_FAILED, coercerFor, coercionMessage } from './coerce';
import { compileJsonPath } from './jsonpath';

export type MappingResult = { ok: true; data: Record<string, unknown> } | { ok: false; error: string };
export type CompiledMapping = (raw: unknown) => MappingResult;

/**
 * Without fields (null) the raw record is stored as it came; it must still
 * be a JSON object or array, since a bare string or number is no record.
 * Throws when a field's path is not a valid JSONPath (the admin API
 * validates paths with validateJsonPath before they get here).
 */
export function compileMapping(fields: MappedField[] | null): CompiledMapping {
  if (fields === null) return identity;
  // Built in key order, so the record is already canonical JSON for its content hash (sync/hash.ts).
  fields = [...fields].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = fields.map((f) => f.name);
  const getters = fields.map((f) => compileJsonPath(f.path));
  const coercers = fields.map((f) => coercerFor(f.type, f.format));
  const count = fields.length;

  return (raw) => {
    if (raw === null || typeof raw !== 'object') return notAnObject(raw);
    const data: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      const value = getters[i]!(raw);
      const out = coercers[i]!(value);
      if (out === COERCE_FAILED) {
        const f = fields[i]!;
        return { ok: false, error: coercionMessage(f.name, f.type, value, f.format) };
      }
      data[names[i]!] = out;
    }
    return { ok: true, data };
  };
}

const identity: CompiledMapping = (raw) =>
  raw !== null && typeof raw === 'object' ? { ok: true, data: raw as Record<string, unknown> } : notAnObject(raw);

function notAnObject(raw: unknown): MappingResult {
  return { ok: false, error: `record is not a JSON object (got ${raw === null ? 'null' : typeof raw})` };
}
