import { FIELD_TYPES, type MappedField } from '../../domain';
import { builder } from '../builder';
import { MappingRef } from './refs';

export const FieldTypeEnum = builder.enumType('FieldType', { values: FIELD_TYPES });

export const MappedFieldInput = builder.inputType('MappedFieldInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Name of the field in the synced record.' }),
    path: t.string({ required: true, description: 'JSONPath into the raw record.' }),
    type: t.field({ type: FieldTypeEnum, required: true }),
    format: t.string({ description: 'DATE and DATETIME: ISO8601 (default; RFC 2822 is accepted too), UNIX_SECONDS or UNIX_MILLIS.' }),
  }),
});

const MappedFieldRef = builder.objectRef<MappedField>('MappedField').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    path: t.exposeString('path'),
    type: t.field({ type: FieldTypeEnum, resolve: (f) => f.type }),
    format: t.string({ nullable: true, resolve: (f) => f.format ?? null }),
  }),
});

MappingRef.implement({
  description: 'Without a mapping a collection stores each raw record as it came.',
  fields: (t) => ({
    fields: t.field({ type: [MappedFieldRef], resolve: (m) => m.fields }),
  }),
});
