import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawJson, stringifyResult } from '../../src/graphql/raw-json';

test('stringifyResult puts each RawJson text in as it is, anywhere in the value', () => {
  const value = {
    data: { a: new RawJson('{"x": 1, "y": [true, null]}'), list: [new RawJson('"text"'), new RawJson('2.5'), 3] },
    other: 'plain',
  };
  const json = stringifyResult(value);
  assert.ok(json.includes('{"x": 1, "y": [true, null]}'), json);
  assert.deepEqual(JSON.parse(json), { data: { a: { x: 1, y: [true, null] }, list: ['text', 2.5, 3] }, other: 'plain' });
});

test('strings that look like the placeholder are left alone', () => {
  const lookalikes = ['\\u0000abc:0', '\u0000:0', '"\u0000', `${'\u0000'.repeat(3)}0123456789abcdef:0`];
  const value = { s: lookalikes, r: new RawJson('{"k": "v"}') };
  assert.deepEqual(JSON.parse(stringifyResult(value)), { s: lookalikes, r: { k: 'v' } });
});

test('any other serializer gets the parsed value', () => {
  const value = { r: new RawJson('{"k": [1, 2]}') };
  assert.equal(JSON.stringify(value), '{"r":{"k":[1,2]}}');
  // And after a stringifyResult that threw midway, still the parsed value.
  assert.throws(() => stringifyResult({ r: new RawJson('{'), boom: { toJSON: () => { throw new Error('x'); } } }));
  assert.equal(JSON.stringify(value), '{"r":{"k":[1,2]}}');
});
