import { readFileSync } from 'node:fs';
import { plugin as fragmentMatcher } from '@graphql-codegen/fragment-matcher';
import { buildSchema } from 'graphql';
import { expect, test } from 'vitest';
import { printSchemaSDL } from '../src/graphql/schema.ts';

test('schema.graphql is the printed Pothos schema (run `npm run schema` after changing the API)', () => {
  expect(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')).toBe(printSchemaSDL());
});

test('clients/possible-types.json is what codegen’s fragment-matcher makes of that schema (run `npm run codegen` after changing the API)', async () => {
  const written = readFileSync(new URL('../clients/possible-types.json', import.meta.url), 'utf8');
  const expected = await fragmentMatcher(
    buildSchema(printSchemaSDL()),
    [],
    { apolloClientVersion: 3 },
    { outputFile: 'clients/possible-types.json' },
  );
  expect(written).toBe(expected);
  // What Apollo needs for `... on Error { code message }`: every error type under Error.
  expect((JSON.parse(written) as { possibleTypes: Record<string, string[]> }).possibleTypes.Error).toEqual([
    'ConflictError',
    'ForbiddenError',
    'NotFoundError',
    'ValidationError',
  ]);
});
