import { parse } from 'graphql';
import { describe, expect, test } from 'vitest';
import { schema } from '../../graphql/schema.ts';
import { isCompilable } from './use-compiled-queries.ts';

describe('isCompilable: queries without input objects only', () => {
  const cases: [string, boolean][] = [
    [
      'query ($id: ID!, $first: Int, $after: String, $with: Boolean!) { node(id: $id) { id } team(id: $id) { secrets(first: $first, after: $after) @include(if: $with) { edges { cursor } } } }',
      true,
    ],
    ['query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', true],
    ['{ viewer { id } }', true],
    ['query ($teamId: ID!, $orderBy: ListOrder) { team(id: $teamId) { secrets(orderBy: $orderBy) { edges { cursor } } } }', false],
    ['query ($teamId: ID!) { team(id: $teamId) { secrets(filter: { search: "a" }) { edges { cursor } } } }', false],
    ['mutation ($id: ID!) { deleteSecret(input: { id: $id }) { __typename } }', false],
    ['subscription { viewer { id } }', false],
    ['query A { viewer { id } } query B { viewer { id } }', false],
    ['query ($x: NoSuchType) { viewer { id } }', false],
  ];
  test.each(cases)('%s → %s', (source, expected) => {
    expect(isCompilable(schema, parse(source))).toBe(expected);
  });

  test('the chosen operation of a multi-operation document decides', () => {
    const document = parse('query A($id: ID!) { node(id: $id) { id } } mutation B { createTeam(input: { name: "x" }) { __typename } }');
    expect(isCompilable(schema, document, 'A')).toBe(false); // the document has an object literal
    expect(isCompilable(schema, parse('query A($id: ID!) { node(id: $id) { id } } query B($f: SecretFilter) { viewer { id } }'), 'A')).toBe(
      true,
    );
    expect(isCompilable(schema, parse('query A($id: ID!) { node(id: $id) { id } } query B($f: SecretFilter) { viewer { id } }'), 'B')).toBe(
      false,
    );
  });
});
