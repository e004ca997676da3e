/** compileMapping: raw record -> stored record or a record error. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MappedField } from '../../src/domain';
import { canonicalJson } from '../../src/mapping/canonical-json';
import { compileMapping, compileMappingToJson } from '../../src/mapping/compile';

const fields: MappedField[] = [
  { name: 'id', path: '$.id', type: 'TEXT' },
  { name: 'total', path: '$.amounts.total', type: 'NUMBER' },
  { name: 'paid', path: '$.flags.paid', type: 'BOOLEAN' },
  { name: 'createdAt', path: '$.created', type: 'DATETIME', format: 'UNIX_SECONDS' },
  { name: 'due', path: '$.due_date', type: 'DATE' },
  { name: 'lines', path: '$.lines', type: 'JSON' },
  { name: 'firstSku', path: '$.lines[0].sku', type: 'TEXT' },
];

test('maps every field by path and type; missing values are null', () => {
  const map = compileMapping(fields);
  const result = map({
    id: 12,
    amounts: { total: '99.90' },
    flags: { paid: 'yes' },
    created: 1709634030,
    due_date: '2024-04-01',
    lines: [{ sku: 'A-1', qty: 2 }],
  });
  assert.deepEqual(result, {
    ok: true,
    data: {
      id: '12', total: 99.9, paid: true, createdAt: '2024-03-05T10:20:30.000Z', due: '2024-04-01',
      lines: [{ sku: 'A-1', qty: 2 }], firstSku: 'A-1',
    },
  });
  assert.deepEqual(map({}), {
    ok: true,
    data: { id: null, total: null, paid: null, createdAt: null, due: null, lines: null, firstSku: null },
  });
});

test('a value that cannot be coerced is a record error naming the field and value', () => {
  const map = compileMapping(fields);
  assert.deepEqual(map({ id: 'x', amounts: { total: 'n/a' } }), {
    ok: false,
    error: 'field "total": cannot read "n/a" as NUMBER',
  });
  assert.deepEqual(map('just a string'), { ok: false, error: 'record is not a JSON object (got string)' });
});

test('without fields the raw record is stored as it came', () => {
  const map = compileMapping(null);
  const raw = { id: 1, nested: { a: [1, 2] } };
  const result = map(raw);
  assert.ok(result.ok);
  assert.equal(result.data, raw);
  assert.equal(map(null).ok, false);
});

test('the JSON form gives the canonical JSON of the same record, or the same error', () => {
  // What sync stores and hashes must be exactly what the object form maps.
  const all: MappedField[] = [
    ...fields,
    { name: '__proto__', path: '$.p', type: 'JSON' },
    { name: 'Zeta', path: '$.z', type: 'TEXT' },
    { name: 'on', path: '$.on', type: 'DATE', format: 'RFC2822' },
  ];
  const raws: unknown[] = [
    { id: 12, amounts: { total: '99.90' }, flags: { paid: 'yes' }, created: 1709634030, due_date: '2024-04-01', lines: [{ sku: 'A-1', qty: 2, b: { y: 1, x: [{ d: 1, c: 2 }] } }] },
    { id: 'é"\n', amounts: { total: -0 }, flags: { paid: 0 }, created: '1709634030', p: { b: 1, a: null, 10: 'ten', 2: 'two' }, z: 5, on: 'Tue, 05 Mar 2024 10:20:30 +0200' },
    { id: true, lines: 'not a list', p: [3, { z: 1, a: 2 }], z: false },
    { amounts: { total: 1e21 }, created: 0 },
    {},
    { amounts: { total: 'n/a' } },
    { created: 'yesterday' },
    [1, 2],
    'just a string',
    null,
  ];
  for (const list of [all, fields, [], null]) {
    const map = compileMapping(list);
    const toJson = compileMappingToJson(list);
    for (const raw of raws) {
      const expected = map(raw);
      const got = toJson(raw);
      if (expected.ok) assert.deepEqual(got, { ok: true, json: canonicalJson(expected.data) }, JSON.stringify(raw));
      else assert.deepEqual(got, expected);
    }
  }
  const json = compileMappingToJson(all)(raws[1]);
  assert.ok(json.ok);
  assert.deepEqual(Object.keys(JSON.parse(json.json)).slice(0, 3), ['Zeta', '__proto__', 'createdAt']);
});
