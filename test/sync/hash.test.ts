import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalJson } from '../../src/mapping/canonical-json';
import { contentHash } from '../../src/sync/hash';

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

  test('canonical JSON of random records matches a plain sort-and-print, whatever order their keys came in', () => {
    // The fast path (a sorted copy printed by JSON.stringify) and the slow one
    // (integer-like keys, toJSON) must agree with the obvious definition.
    const reference = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
      if (v !== null && typeof v === 'object') {
        const keys = Object.keys(v).sort();
        return `{${keys.map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`).join(',')}}`;
      }
      return JSON.stringify(v);
    };
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const keyPool = ['a', 'b', 'id', 'name', 'Z', 'z', '__proto__', '10', '2', 'é', 'k-1', ''];
    const make = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.4) return [1.5, 'x"y', true, null, -0][Math.floor(random() * 5)];
      if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => make(depth + 1));
      const entries: Array<[string, unknown]> = [];
      for (const k of keyPool) if (random() < 0.3) entries.push([k, make(depth + 1)]);
      return entries;
    };
    // Objects are made from entry lists so the same content can be built in two key orders.
    const build = (v: unknown, reverse: boolean): unknown => {
      if (!Array.isArray(v) || !Array.isArray(v[0] ?? [])) return v;
      if (v.length > 0 && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string')) {
        const entries = (v as Array<[string, unknown]>).map(([k, x]) => [k, build(x, reverse)] as [string, unknown]);
        if (reverse) entries.reverse();
        return JSON.parse(`{${entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(',')}}`);
      }
      return v.map((x) => build(x, reverse));
    };
    for (let i = 0; i < 500; i++) {
      const shape = make(0);
      const forward = build(shape, false);
      const backward = build(shape, true);
      assert.equal(canonicalJson(forward), reference(forward), JSON.stringify(forward));
      assert.equal(canonicalJson(backward), canonicalJson(forward));
    }
  });
});
