import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { sortedSchema } from '../src/graphql/schema';

/** `npm run schema:print`: writes schema.graphql; test/graphql/schema.test.ts fails when it is stale. */
export function printedSchema(): string {
  return `${printSchema(sortedSchema())}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('../schema.graphql', import.meta.url), printedSchema());
  console.log('schema.graphql written');
}
