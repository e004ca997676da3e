/** Mapping: compile a collection's field list once into raw -> record | error. */
export { compileMapping, compileMappingToJson, type CompiledJsonMapping, type CompiledMapping, type MappingResult } from './compile';
export { canonicalJson } from './canonical-json';
export { coerceValue, coercerFor, COERCE_FAILED } from './coerce';
export { compileJsonPath, validateJsonPath, type JsonPathGetter } from './jsonpath';
export { parseDate } from './dates';
