/** Mapping: compile a collection's field list once into raw -> record | error. */
export { compileMapping, type CompiledMapping, type MappingResult } from './compile';
export { coerceValue, coercerFor, COERCE_FAILED } from './coerce';
export { compileJsonPath, validateJsonPath, type JsonPathGetter } from './jsonpath';
export { parseDate } from './dates';
