import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalJson, contentHash } from '../../src/sync/hash';

describe('content hash', () => {
  test('canonical JSON sorts keys at every depth and otherwise follows JSON.stringify', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    assert.equal(canonicalJson({ a: undefined, b: null, c: [undefined, NaN], d: 'é"\n' }), JSON.stringify({ b: null, c: [null, null], d: 'é"\n' }));
    assert.equal(canonicalJson({ at: new Date(0) }), '{"at":"1970-01-01T00:00:00.000Z"}');
    const value = { id: 'x', list: [1, 2, { k: true }], n: -1.5e-7, s: 'ok' };
    assert.deepEqual(JSON.parse(canonicalJson(value)), value);
    // Keys V8 orders numerically ("2" before "10") are still sorted as strings.
    assert.equal(canonicalJson({ 2: 'b', 10: 'a', x: { b: 1, a: 2 } }), '{"10":"a","2":"b","x":{"a":2,"b":1}}');
    assert.equal(canonicalJson([{ b: 1, a: 1 }, 'x']), '[{"a":1,"b":1},"x"]');
    assert.equal(canonicalJson({ n: 10n }), '{"n":10}');
    assert.equal(canonicalJson(JSON.parse('{"b":1,"__proto__":{"y":1,"x":2}}')), '{"__proto__":{"x":2,"y":1},"b":1}');
    assert.equal(canonicalJson({ b: undefined, a: [undefined, () => 1], c: { toJSON: () => ({ z: 1, y: 2 }) } }), '{"a":[null,null],"c":{"y":2,"z":1}}');
  });

  test('the same record with its keys in another order hashes the same; any change does not', () => {
    const a = contentHash(canonicalJson({ id: 1, name: 'n', tags: ['a', 'b'], meta: { x: 1, y: 2 } }));
    const b = contentHash(canonicalJson({ meta: { y: 2, x: 1 }, tags: ['a', 'b'], name: 'n', id: 1 }));
    assert.equal(a, b);
    assert.notEqual(a, contentHash(canonicalJson({ id: 1, name: 'n', tags: ['b', 'a'], meta: { x: 1, y: 2 } })));
    assert.notEqual(a, contentHash(canonicalJson({ id: 1, name: 'n', tags: ['a', 'b'], meta: { x: 1, y: '2' } })));
    assert.match(a, /^[0-9a-f]{32}$/);
  });
});
