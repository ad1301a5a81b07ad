import { expect, test } from 'vitest';
import { fieldNameOf, typeInWords } from './type-names.ts';

test('fieldNameOf: the type name with its first letter lowered (the payload field of the type)', () => {
  expect(fieldNameOf('Secret')).toBe('secret');
  expect(fieldNameOf('VaultConnection')).toBe('vaultConnection');
});

test('typeInWords: the type name as words in lower case (the type named in a description)', () => {
  expect(typeInWords('Secret')).toBe('secret');
  expect(typeInWords('VaultConnection')).toBe('vault connection');
  expect(typeInWords('ApiToken')).toBe('api token');
});
