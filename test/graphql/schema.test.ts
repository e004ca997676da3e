import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildSchema, findBreakingChanges } from 'graphql';
import { printedSchema } from '../../scripts/print-schema';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

test('schema.graphql is the printed schema (run npm run schema:print after changing the API)', () => {
  assert.equal(read('../../schema.graphql'), printedSchema());
});

test('the schema is a superset of the public contract', () => {
  const contract = buildSchema(read('../../../shared/contract/contract.graphql'));
  const ours = buildSchema(read('../../schema.graphql'));
  const breaking = findBreakingChanges(contract, ours);
  assert.deepEqual(
    breaking.map((c) => `${c.type}: ${c.description}`),
    [],
    'schema.graphql breaks ../shared/contract/contract.graphql',
  );
});
