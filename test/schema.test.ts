import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { printSchemaSDL } from '../src/graphql/schema.ts';

test('schema.graphql is the printed Pothos schema (run `npm run schema` after changing the API)', () => {
  expect(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')).toBe(printSchemaSDL());
});
