/** JSONPath: the fast path and the jsonpath-plus fallback agree; invalid paths get a message. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JSONPath } from 'jsonpath-plus';
import { compileJsonPath, validateJsonPath } from '../../src/mapping/jsonpath';

const doc = {
  id: 7,
  'odd key': 'spaced',
  'a.b': 'dotted',
  paging: { next: { after: 'c2' } },
  items: [{ id: 'x', tags: ['t1', 't2'] }, { id: 'y', price: 0 }],
  nothing: null,
};

describe('compileJsonPath', () => {
  const cases: Array<[string, unknown]> = [
    ['$', doc],
    ['$.id', 7],
    ['$.paging.next.after', 'c2'],
    ["$['paging']['next']['after']", 'c2'],
    ['$["odd key"]', 'spaced'],
    ["$['a.b']", 'dotted'],
    ['$.items[0].id', 'x'],
    ['$.items[1].price', 0],
    ['$.items[0].tags[1]', 't2'],
    ['$.nothing', null],
    ['$.missing', undefined],
    ['$.missing.deeper', undefined],
    ['$.items[5].id', undefined],
    ['$.id.length', undefined],
    ['$.constructor', undefined],
    // jsonpath-plus fallbacks: first match
    ['$.items[*].id', 'x'],
    ['$..after', 'c2'],
    ['$.items[?(@.price === 0)].id', 'y'],
    ['$.items[-1:].id', 'y'],
  ];
  for (const [path, want] of cases) {
    test(path, () => assert.deepEqual(compileJsonPath(path)(doc), want));
  }

  test('agrees with jsonpath-plus on simple paths', () => {
    for (const path of ['$.id', '$.paging.next.after', '$.items[1].id', "$['odd key']"]) {
      const [expected] = JSONPath({ path, json: doc, wrap: true }) as unknown[];
      assert.deepEqual(compileJsonPath(path)(doc), expected, path);
    }
  });

  test('non-object inputs read as undefined, `$` returns them', () => {
    const get = compileJsonPath('$.a');
    for (const input of [undefined, null, 3, 'str', true]) assert.equal(get(input), undefined);
    assert.equal(compileJsonPath('$')('str'), 'str');
    assert.equal(compileJsonPath('$..a')(undefined), undefined);
  });

  test('an invalid path throws at compile time', () => {
    assert.throws(() => compileJsonPath('id'), /must start with "\$"/);
  });
});

describe('validateJsonPath', () => {
  for (const ok of ['$', '$.a', '$.a[0].b', "$['x y']", '$..id', '$.a[*]', '$.a[?(@.b > 1)]', '$.a[0:2]']) {
    test(`accepts ${ok}`, () => assert.equal(validateJsonPath(ok), null));
  }
  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['a.b', /must start with "\$"/],
    ['.a', /must start with "\$"/],
    ['$.a[', /unclosed "\["/],
    ['$.a]', /unbalanced "\]"/],
    ['$.a[(0]', /unbalanced "\]"/],
    ["$['a]", /unterminated ' quote/],
    ['$.a.', /empty segment/],
    ['$...a', /empty segment/],
    ['$.a[]', /empty segment/],
    ['$a', /must continue after "\$"/],
  ];
  for (const [path, message] of bad) {
    test(`rejects ${JSON.stringify(path)}`, () => assert.match(validateJsonPath(path) ?? 'accepted', message));
  }
});
