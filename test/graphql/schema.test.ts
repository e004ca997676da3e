import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildSchema, findBreakingChanges } from 'graphql';
import { printedSchema } from '../../scripts/print-schema';

const url = (path: string) => new URL(path, import.meta.url);
const read = (path: string) => readFileSync(url(path), 'utf8');

// The contract is vendored in contract/ so a clone checks itself; where the shared
// original sits beside the checkout (a developer's machine) it is checked too, so a
// contract change upstream fails here until contract/ is refreshed.
const CONTRACTS = ['../../contract/contract.graphql', '../../../shared/contract/contract.graphql'].filter((p) => existsSync(url(p)));

test('schema.graphql is the printed schema (run npm run schema:print after changing the API)', () => {
  assert.equal(read('../../schema.graphql'), printedSchema());
});

for (const path of CONTRACTS) {
  test(`the schema is a superset of the public contract (${path.replace(/^(\.\.\/)+/, '')})`, () => {
    const contract = buildSchema(read(path));
    const ours = buildSchema(read('../../schema.graphql'));
    const breaking = findBreakingChanges(contract, ours);
    assert.deepEqual(
      breaking.map((c) => `${c.type}: ${c.description}`),
      [],
      `schema.graphql breaks ${path}`,
    );
  });
}

test('the vendored contract is the shared one', { skip: CONTRACTS.length < 2 && 'no shared contract beside this checkout' }, () => {
  assert.equal(read(CONTRACTS[0]!), read(CONTRACTS[1]!), 'refresh contract/ from ../shared/contract');
});
