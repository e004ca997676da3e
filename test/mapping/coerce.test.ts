/** Every field type and date format, with values that must pass and values that must fail. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DateFormat, FieldType } from '../../src/domain';
import { coerceValue } from '../../src/mapping/coerce';

const FAIL = Symbol('fail');
type Row = [FieldType, DateFormat | undefined, unknown, unknown];

const rows: Row[] = [
  // null and missing are null for every type
  ...(['TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME', 'JSON'] as const).flatMap((t): Row[] => [
    [t, undefined, null, null],
    [t, undefined, undefined, null],
  ]),

  ['TEXT', undefined, 'hello', 'hello'],
  ['TEXT', undefined, '', ''],
  ['TEXT', undefined, 42, '42'],
  ['TEXT', undefined, 1.5, '1.5'],
  ['TEXT', undefined, true, 'true'],
  ['TEXT', undefined, { a: 1 }, FAIL],
  ['TEXT', undefined, ['a'], FAIL],

  ['NUMBER', undefined, 42, 42],
  ['NUMBER', undefined, -0.5, -0.5],
  ['NUMBER', undefined, '42', 42],
  ['NUMBER', undefined, ' 12.50 ', 12.5],
  ['NUMBER', undefined, '-1e3', -1000],
  ['NUMBER', undefined, '.5', 0.5],
  ['NUMBER', undefined, '', FAIL],
  ['NUMBER', undefined, '   ', FAIL],
  ['NUMBER', undefined, 'abc', FAIL],
  ['NUMBER', undefined, '12abc', FAIL],
  ['NUMBER', undefined, '0x10', FAIL],
  ['NUMBER', undefined, 'NaN', FAIL],
  ['NUMBER', undefined, 'Infinity', FAIL],
  ['NUMBER', undefined, NaN, FAIL],
  ['NUMBER', undefined, Infinity, FAIL],
  ['NUMBER', undefined, '1e999', FAIL],
  ['NUMBER', undefined, true, FAIL],
  ['NUMBER', undefined, [1], FAIL],

  ['BOOLEAN', undefined, true, true],
  ['BOOLEAN', undefined, false, false],
  ['BOOLEAN', undefined, 'true', true],
  ['BOOLEAN', undefined, 'TRUE', true],
  ['BOOLEAN', undefined, 'False', false],
  ['BOOLEAN', undefined, 1, true],
  ['BOOLEAN', undefined, 0, false],
  ['BOOLEAN', undefined, '1', true],
  ['BOOLEAN', undefined, '0', false],
  ['BOOLEAN', undefined, 'yes', true],
  ['BOOLEAN', undefined, 'No', false],
  ['BOOLEAN', undefined, 2, FAIL],
  ['BOOLEAN', undefined, 'maybe', FAIL],
  ['BOOLEAN', undefined, '', FAIL],
  ['BOOLEAN', undefined, {}, FAIL],

  ['DATE', undefined, '2024-03-05', '2024-03-05'],
  ['DATE', 'ISO8601', '2024-03-05T23:30:00-02:00', '2024-03-06'],
  ['DATE', 'ISO8601', '2024-03-05T01:00:00+02:00', '2024-03-04'],
  ['DATE', 'ISO8601', '2024-03-05T10:00:00', '2024-03-05'],
  ['DATE', 'RFC2822', 'Tue, 05 Mar 2024 10:00:00 +0000', '2024-03-05'],
  ['DATE', 'UNIX_SECONDS', 1709632800, '2024-03-05'],
  ['DATE', 'UNIX_MILLIS', '1709632800000', '2024-03-05'],
  ['DATE', undefined, '2024-02-30', FAIL],
  ['DATE', undefined, '2024-13-01', FAIL],
  ['DATE', undefined, '05/03/2024', FAIL],
  ['DATE', undefined, 1709632800, FAIL],

  ['DATETIME', undefined, '2024-03-05T10:20:30Z', '2024-03-05T10:20:30.000Z'],
  ['DATETIME', undefined, '2024-03-05T10:20:30.123456Z', '2024-03-05T10:20:30.123Z'],
  ['DATETIME', undefined, '2024-03-05T10:20:30.5+02:00', '2024-03-05T08:20:30.500Z'],
  ['DATETIME', undefined, '2024-03-05T10:20:30+0200', '2024-03-05T08:20:30.000Z'],
  ['DATETIME', undefined, '2024-03-05T10:20:30-0530', '2024-03-05T15:50:30.000Z'],
  ['DATETIME', undefined, '2024-03-05T10:20:30+02', '2024-03-05T08:20:30.000Z'],
  ['DATETIME', undefined, '2024-03-05T10:20:30.000+0000', '2024-03-05T10:20:30.000Z'],
  ['DATETIME', undefined, '2024-03-05T10:20:30', '2024-03-05T10:20:30.000Z'],
  ['DATETIME', undefined, '2024-03-05 10:20', '2024-03-05T10:20:00.000Z'],
  ['DATETIME', undefined, '2024-03-05', '2024-03-05T00:00:00.000Z'],
  ['DATETIME', 'ISO8601', 'Tue, 05 Mar 2024 10:20:30 +0200', '2024-03-05T08:20:30.000Z'],
  ['DATETIME', 'RFC2822', 'Tue, 05 Mar 2024 10:20:30 GMT', '2024-03-05T10:20:30.000Z'],
  ['DATETIME', 'RFC2822', '5 Mar 2024 10:20 EST', '2024-03-05T15:20:00.000Z'],
  ['DATETIME', 'RFC2822', '05 Mar 24 10:20:30 -0000', '2024-03-05T10:20:30.000Z'],
  ['DATETIME', 'RFC2822', '2024-03-05T10:20:30Z', '2024-03-05T10:20:30.000Z'],
  ['DATETIME', 'UNIX_SECONDS', 1709634030, '2024-03-05T10:20:30.000Z'],
  ['DATETIME', 'UNIX_SECONDS', '1709634030', '2024-03-05T10:20:30.000Z'],
  ['DATETIME', 'UNIX_SECONDS', 1709634030.25, '2024-03-05T10:20:30.250Z'],
  ['DATETIME', 'UNIX_MILLIS', 1709634030123, '2024-03-05T10:20:30.123Z'],
  ['DATETIME', 'UNIX_MILLIS', '1709634030123', '2024-03-05T10:20:30.123Z'],
  // Already in the stored form: kept as is, but still checked.
  ['DATETIME', undefined, '2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
  ['DATETIME', 'RFC2822', '2024-03-05T10:20:30.000Z', '2024-03-05T10:20:30.000Z'],
  ['DATETIME', undefined, '2023-02-29T10:00:00.000Z', FAIL],
  ['DATETIME', undefined, '2024-04-31T10:00:00.000Z', FAIL],
  ['DATETIME', undefined, '2024-03-05T24:00:00.000Z', '2024-03-06T00:00:00.000Z'],
  ['DATETIME', undefined, '2024-03-05T10:60:00.000Z', FAIL],
  ['DATETIME', undefined, '2024-13-05T10:00:00.000Z', FAIL],
  ['DATETIME', undefined, '2024-03-05T25:00:00Z', FAIL],
  ['DATETIME', undefined, '2024-02-30T10:00:00Z', FAIL],
  ['DATETIME', undefined, 'yesterday', FAIL],
  ['DATETIME', undefined, '', FAIL],
  ['DATETIME', undefined, 1709634030, FAIL],
  ['DATETIME', 'RFC2822', 'Tue, 05 Foo 2024 10:20:30 GMT', FAIL],
  ['DATETIME', 'UNIX_SECONDS', 'abc', FAIL],
  ['DATETIME', 'UNIX_SECONDS', '', FAIL],
  ['DATETIME', 'UNIX_SECONDS', 1e20, FAIL],
  ['DATETIME', 'UNIX_MILLIS', true, FAIL],

  ['JSON', undefined, { a: [1, { b: null }] }, { a: [1, { b: null }] }],
  ['JSON', undefined, [1, 'x'], [1, 'x']],
  ['JSON', undefined, 'text', 'text'],
  ['JSON', undefined, 0, 0],
  ['JSON', undefined, false, false],
];

describe('coercion table', () => {
  for (const [type, format, input, want] of rows) {
    const label = `${type}${format ? `/${format}` : ''} ${JSON.stringify(input) ?? 'undefined'} -> ${want === FAIL ? 'error' : JSON.stringify(want)}`;
    test(label, () => {
      if (want === FAIL) {
        assert.throws(() => coerceValue('f', type, input, format), (err: Error) => {
          assert.match(err.message, /^field "f": cannot read .+ as /);
          return true;
        });
      } else {
        assert.deepEqual(coerceValue('f', type, input, format), want);
      }
    });
  }

  test('the error names the field, the value and the type', () => {
    assert.throws(() => coerceValue('amount', 'NUMBER', 'twelve'), { message: 'field "amount": cannot read "twelve" as NUMBER' });
    assert.throws(() => coerceValue('at', 'DATETIME', 'soon', 'UNIX_MILLIS'), {
      message: 'field "at": cannot read "soon" as DATETIME (UNIX_MILLIS)',
    });
  });

  test('an ISO date-time without offset is UTC whatever the process time zone', () => {
    // Date.parse would read this in local time; TZ is set for the whole process only at start,
    // so check against an explicit UTC construction instead.
    assert.equal(coerceValue('f', 'DATETIME', '2024-07-01T12:00:00'), new Date(Date.UTC(2024, 6, 1, 12)).toISOString());
  });
});
