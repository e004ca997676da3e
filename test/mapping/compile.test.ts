/** compileMapping: raw record -> stored record or a record error. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MappedField } from '../../src/domain';
import { compileMapping } from '../../src/mapping/compile';

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

test('compiled once, mapping 100k records is fast', () => {
  const map = compileMapping(fields);
  const raw = { id: 1, amounts: { total: 5 }, flags: { paid: true }, created: 1709634030, due_date: '2024-04-01', lines: [] };
  const started = performance.now();
  for (let i = 0; i < 100_000; i++) map(raw);
  const ms = performance.now() - started;
  assert.ok(ms < 2_000, `${ms} ms`);
});
