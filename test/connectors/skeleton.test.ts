import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fleshOut, skeletonOf } from '../../src/connectors/skeleton';
import { compileJsonPath } from '../../src/mapping/jsonpath';

describe('page skeletons', () => {
  test('keep the envelope and the last record; fleshed out, the records array has its length back', () => {
    const records = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const body = { results: { items: records, next: 'abc' }, has_more: true, count: 3 };
    const skeleton = skeletonOf(body, records);
    assert.ok(skeleton.length < JSON.stringify(body).length);
    const at = compileJsonPath('$.results.items');
    const again = fleshOut(skeleton, at, 3) as typeof body;
    assert.equal(again.results.next, 'abc');
    assert.equal(again.has_more, true);
    const items = at(again) as unknown[];
    assert.equal(items.length, 3);
    assert.deepEqual(items[2], { id: 3 });
  });

  test('a body that is the records array itself, and a key named __proto__ stays a key', () => {
    const records = [{ id: 'a' }, { id: 'b', __proto__x: 1 }];
    const again = fleshOut(skeletonOf(records, records), compileJsonPath('$'), 2) as unknown[];
    assert.equal(again.length, 2);
    assert.deepEqual(again[1], { id: 'b', __proto__x: 1 });
    const body = JSON.parse('{"__proto__": {"polluted": true}, "data": [{"id": 1}]}');
    const kept = JSON.parse(skeletonOf(body, body.data));
    assert.deepEqual(Object.keys(kept), ['__proto__', 'data']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('a skeleton that does not fit the data path is not used', () => {
    const records = [{ id: 1 }];
    const skeleton = skeletonOf({ data: records }, records);
    assert.equal(fleshOut(skeleton, compileJsonPath('$.other'), 1), undefined);
  });
});
