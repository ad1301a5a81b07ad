import { describe, expect, test } from 'vitest';
import { ENV_KEY_MAX_LENGTH, ENV_VALUE_MAX_LENGTH, ENV_VARS_MAX_COUNT } from './credential-checks.ts';
import { applyKeyOperations, hasKeyOperations, KeyOperationCode, type EnvPair, type KeyOperations } from './env-key-operations.ts';

const CURRENT: readonly EnvPair[] = Object.freeze([
  { key: 'API_KEY', value: 'value-of-api-key' },
  { key: 'API_URL', value: 'https://api.example.test' },
  { key: 'REGION', value: 'eu-west-1' },
]);

/** The result as a plain object, for comparisons that ignore order. */
const asRecord = (pairs: readonly EnvPair[]) => Object.fromEntries(pairs.map(({ key, value }) => [key, value]));

/** One call with a problem in each operation (five in all), the values it touches secret-looking. */
const A_PROBLEM_IN_EVERY_OPERATION: KeyOperations = {
  renameKeys: [
    { from: 'MISSING', to: 'X' },
    { from: 'API_KEY', to: 'REGION' },
  ],
  removeKeys: ['GONE'],
  addValues: [
    { key: 'API_URL', value: 'another-secret-value' },
    { key: 'lower', value: 'third-secret-value' },
  ],
};

/** Applies operations that must succeed and returns the pairs. */
function applyOk(ops: KeyOperations, current: readonly EnvPair[] = CURRENT): EnvPair[] {
  const { pairs, errors } = applyKeyOperations(current, ops);
  expect(errors).toEqual([]);
  return pairs;
}

/** Applies operations that must fail and returns [path, code] of each error. */
function applyFailing(ops: KeyOperations, current: readonly EnvPair[] = CURRENT): [string[], string][] {
  const { errors } = applyKeyOperations(current, ops);
  expect(errors.length).toBeGreaterThan(0);
  return errors.map((error) => [error.path, error.code]);
}

describe('hasKeyOperations', () => {
  test('true as soon as one operation list is given (even empty), false otherwise', () => {
    expect(hasKeyOperations({})).toBe(false);
    expect(hasKeyOperations({ renameKeys: null, removeKeys: undefined, addValues: null })).toBe(false);
    expect(hasKeyOperations({ renameKeys: [] })).toBe(true);
    expect(hasKeyOperations({ removeKeys: ['A'] })).toBe(true);
    expect(hasKeyOperations({ addValues: [] })).toBe(true);
  });
});

describe('applyKeyOperations: each operation alone', () => {
  test('no operations: the same pairs in the same order', () => {
    expect(applyOk({})).toEqual(CURRENT);
  });

  test('a rename keeps the value and leaves every other pair untouched', () => {
    const pairs = applyOk({ renameKeys: [{ from: 'API_KEY', to: 'SERVICE_TOKEN' }] });
    expect(asRecord(pairs)).toEqual({ SERVICE_TOKEN: 'value-of-api-key', API_URL: 'https://api.example.test', REGION: 'eu-west-1' });
    // The other keys keep their relative order.
    expect(pairs.map((pair) => pair.key).filter((key) => key !== 'SERVICE_TOKEN')).toEqual(['API_URL', 'REGION']);
  });

  test('removals drop exactly the named keys', () => {
    expect(applyOk({ removeKeys: ['API_URL', 'REGION'] })).toEqual([{ key: 'API_KEY', value: 'value-of-api-key' }]);
  });

  test('additions append new keys with their values', () => {
    expect(applyOk({ addValues: [{ key: 'NEW_ONE', value: 'new-value' }] })).toEqual([...CURRENT, { key: 'NEW_ONE', value: 'new-value' }]);
  });

  test('values are kept verbatim (surrounding whitespace, newlines)', () => {
    const pem = '-----BEGIN KEY-----\nabc\n-----END KEY-----\n';
    expect(asRecord(applyOk({ addValues: [{ key: 'PEM', value: pem }] })).PEM).toBe(pem);
  });

  test('the input pairs are never mutated', () => {
    const current = CURRENT.map((pair) => ({ ...pair }));
    applyKeyOperations(current, {
      renameKeys: [{ from: 'API_KEY', to: 'X' }],
      removeKeys: ['REGION'],
      addValues: [{ key: 'Y', value: 'y-value' }],
    });
    expect(current).toEqual(CURRENT);
  });
});

describe('applyKeyOperations: order is renames, then removals, then additions', () => {
  test('removeKeys sees the renamed key, not the old one', () => {
    expect(asRecord(applyOk({ renameKeys: [{ from: 'API_KEY', to: 'TOKEN' }], removeKeys: ['TOKEN'] }))).toEqual({
      API_URL: 'https://api.example.test',
      REGION: 'eu-west-1',
    });
    expect(applyFailing({ renameKeys: [{ from: 'API_KEY', to: 'TOKEN' }], removeKeys: ['API_KEY'] })).toEqual([
      [['input', 'removeKeys', '0'], 'KEY_NOT_FOUND'],
    ]);
  });

  test('addValues may re-add a key that was renamed away or removed in the same update', () => {
    const pairs = applyOk({
      renameKeys: [{ from: 'API_KEY', to: 'OLD_API_KEY' }],
      removeKeys: ['REGION'],
      addValues: [
        { key: 'API_KEY', value: 'fresh' },
        { key: 'REGION', value: 'us-east-1' },
      ],
    });
    expect(asRecord(pairs)).toEqual({
      OLD_API_KEY: 'value-of-api-key',
      API_URL: 'https://api.example.test',
      API_KEY: 'fresh',
      REGION: 'us-east-1',
    });
  });

  test('addValues of a key that a rename just created is KEY_ALREADY_EXISTS', () => {
    expect(applyFailing({ renameKeys: [{ from: 'API_KEY', to: 'TOKEN' }], addValues: [{ key: 'TOKEN', value: 'x-value' }] })).toEqual([
      [['input', 'addValues', '0', 'key'], 'KEY_ALREADY_EXISTS'],
    ]);
  });

  test('renames apply one after the other: a chain moves the value along', () => {
    const pairs = applyOk({
      renameKeys: [
        { from: 'API_KEY', to: 'B' },
        { from: 'B', to: 'C' },
      ],
    });
    expect(asRecord(pairs)).toMatchObject({ C: 'value-of-api-key' });
    expect(pairs.map((pair) => pair.key)).not.toContain('B');
    expect(pairs.map((pair) => pair.key)).not.toContain('API_KEY');
  });

  test('renaming into a key freed by an earlier rename works; swapping two keys directly does not', () => {
    const rotated = applyOk({
      renameKeys: [
        { from: 'API_KEY', to: 'TMP' },
        { from: 'API_URL', to: 'API_KEY' },
        { from: 'TMP', to: 'API_URL' },
      ],
    });
    expect(asRecord(rotated)).toEqual({ API_KEY: 'https://api.example.test', API_URL: 'value-of-api-key', REGION: 'eu-west-1' });
    expect(
      applyFailing({
        renameKeys: [
          { from: 'API_KEY', to: 'API_URL' },
          { from: 'API_URL', to: 'API_KEY' },
        ],
      }),
    ).toEqual([
      [['input', 'renameKeys', '0', 'to'], 'KEY_ALREADY_EXISTS'],
      [['input', 'renameKeys', '1', 'to'], 'KEY_ALREADY_EXISTS'],
    ]);
  });

  test('remove then add the same key replaces its value', () => {
    expect(asRecord(applyOk({ removeKeys: ['REGION'], addValues: [{ key: 'REGION', value: 'ap-south-1' }] })).REGION).toBe('ap-south-1');
  });
});

describe('applyKeyOperations: every error code, with its path from `input`', () => {
  const tooLongKey = 'K'.repeat(ENV_KEY_MAX_LENGTH + 1);
  const tooLongValue = 'x'.repeat(ENV_VALUE_MAX_LENGTH + 1);
  const rename = (to: string): KeyOperations => ({ renameKeys: [{ from: 'API_KEY', to }] });
  const add = (...addValues: EnvPair[]): KeyOperations => ({ addValues });
  test.each<[string, KeyOperations, ...[string[], string][]]>([
    [
      'KEY_NOT_FOUND: rename from a missing key',
      {
        renameKeys: [
          { from: 'API_KEY', to: 'A' },
          { from: 'MISSING', to: 'B' },
        ],
      },
      [['input', 'renameKeys', '1', 'from'], 'KEY_NOT_FOUND'],
    ],
    ['KEY_ALREADY_EXISTS: rename onto an existing key', rename('REGION'), [['input', 'renameKeys', '0', 'to'], 'KEY_ALREADY_EXISTS']],
    ['KEY_ALREADY_EXISTS: rename onto itself', rename('API_KEY'), [['input', 'renameKeys', '0', 'to'], 'KEY_ALREADY_EXISTS']],
    ['a rename target in lower case: INVALID_FORMAT', rename('lower_case'), [['input', 'renameKeys', '0', 'to'], 'INVALID_FORMAT']],
    [
      'a rename target with a leading digit: INVALID_FORMAT',
      rename('9STARTS_WITH_DIGIT'),
      [['input', 'renameKeys', '0', 'to'], 'INVALID_FORMAT'],
    ],
    ['an empty rename target: REQUIRED', rename(''), [['input', 'renameKeys', '0', 'to'], 'REQUIRED']],
    ['a rename target past the maximum length: TOO_LONG', rename(tooLongKey), [['input', 'renameKeys', '0', 'to'], 'TOO_LONG']],
    [
      'KEY_NOT_FOUND: removing missing keys',
      { removeKeys: ['REGION', 'NOPE', 'ALSO_NOPE'] },
      [['input', 'removeKeys', '1'], 'KEY_NOT_FOUND'],
      [['input', 'removeKeys', '2'], 'KEY_NOT_FOUND'],
    ],
    [
      'removing the same key twice: the second one is KEY_NOT_FOUND',
      { removeKeys: ['REGION', 'REGION'] },
      [['input', 'removeKeys', '1'], 'KEY_NOT_FOUND'],
    ],
    ['EMPTY_KEY_LIST: removeKeys: []', { removeKeys: [] }, [['input', 'removeKeys'], 'EMPTY_KEY_LIST']],
    ['NO_KEYS_LEFT: removing every key', { removeKeys: ['API_KEY', 'API_URL', 'REGION'] }, [['input', 'removeKeys'], 'NO_KEYS_LEFT']],
    [
      'KEY_ALREADY_EXISTS: adding an existing key',
      add({ key: 'FRESH', value: 'fresh-value' }, { key: 'API_URL', value: 'other' }),
      [['input', 'addValues', '1', 'key'], 'KEY_ALREADY_EXISTS'],
    ],
    [
      'adding the same new key twice: the second one is KEY_ALREADY_EXISTS',
      add({ key: 'FRESH', value: 'one' }, { key: 'FRESH', value: 'two' }),
      [['input', 'addValues', '1', 'key'], 'KEY_ALREADY_EXISTS'],
    ],
    [
      'an added key that is no env key: INVALID_FORMAT',
      add({ key: 'bad-key', value: 'v-value' }),
      [['input', 'addValues', '0', 'key'], 'INVALID_FORMAT'],
    ],
    ['a blank added value: REQUIRED', add({ key: 'BLANK', value: '   ' }), [['input', 'addValues', '0', 'value'], 'REQUIRED']],
    [
      'an added value past the maximum length: TOO_LONG',
      add({ key: 'HUGE', value: tooLongValue }),
      [['input', 'addValues', '0', 'value'], 'TOO_LONG'],
    ],
  ])('%s', (_case, ops, ...errors) => {
    expect(applyFailing(ops)).toEqual(errors);
  });

  test('a rename target and an added value of the maximum length are fine', () => {
    expect(applyOk({ renameKeys: [{ from: 'API_KEY', to: 'K'.repeat(ENV_KEY_MAX_LENGTH) }] })).toHaveLength(3);
    expect(asRecord(applyOk({ addValues: [{ key: 'MAX', value: 'x'.repeat(ENV_VALUE_MAX_LENGTH) }] })).MAX).toHaveLength(
      ENV_VALUE_MAX_LENGTH,
    );
  });

  test('removing every key and adding one back is fine (additions come last)', () => {
    expect(applyOk({ removeKeys: ['API_KEY', 'API_URL', 'REGION'], addValues: [{ key: 'ONLY', value: 'only-value' }] })).toEqual([
      { key: 'ONLY', value: 'only-value' },
    ]);
  });

  test('TOO_MANY_KEYS: more than the maximum after additions → addValues', () => {
    const many = Array.from({ length: ENV_VARS_MAX_COUNT - CURRENT.length + 1 }, (_, index) => ({
      key: `K_${index}`,
      value: `value-${index}`,
    }));
    expect(applyFailing({ addValues: many })).toEqual([[['input', 'addValues'], KeyOperationCode.TOO_MANY_KEYS]]);
    expect(applyOk({ addValues: many.slice(1) })).toHaveLength(ENV_VARS_MAX_COUNT);
  });

  test('every problem of one call is reported, each at its own path, in operation order', () => {
    expect(applyFailing(A_PROBLEM_IN_EVERY_OPERATION)).toEqual([
      [['input', 'renameKeys', '0', 'from'], 'KEY_NOT_FOUND'],
      [['input', 'renameKeys', '1', 'to'], 'KEY_ALREADY_EXISTS'],
      [['input', 'removeKeys', '0'], 'KEY_NOT_FOUND'],
      [['input', 'addValues', '0', 'key'], 'KEY_ALREADY_EXISTS'],
      [['input', 'addValues', '1', 'key'], 'INVALID_FORMAT'],
    ]);
  });

  test('the codes are the exported constants', () => {
    expect(KeyOperationCode).toMatchObject({
      KEY_NOT_FOUND: 'KEY_NOT_FOUND',
      KEY_ALREADY_EXISTS: 'KEY_ALREADY_EXISTS',
      EMPTY_KEY_LIST: 'EMPTY_KEY_LIST',
      NO_KEYS_LEFT: 'NO_KEYS_LEFT',
    });
  });
});

describe('applyKeyOperations: all or nothing', () => {
  test('one failing operation among valid ones: errors are returned and the caller must not use the pairs', () => {
    const result = applyKeyOperations(CURRENT, {
      renameKeys: [{ from: 'API_KEY', to: 'RENAMED' }],
      removeKeys: ['REGION'],
      addValues: [{ key: 'API_URL', value: 'clash' }],
    });
    // The contract: any error means "change nothing". The pairs are a partial application and
    // differ from CURRENT, which is exactly why a caller that saw errors must discard them.
    expect(result.errors.map((error) => error.code)).toEqual(['KEY_ALREADY_EXISTS']);
    expect(result.pairs).not.toEqual(CURRENT);
  });

  test('NO_KEYS_LEFT is not added on top of other errors (the partial result is meaningless)', () => {
    expect(applyFailing({ removeKeys: ['API_KEY', 'API_URL', 'REGION', 'MISSING'] })).toEqual([
      [['input', 'removeKeys', '3'], 'KEY_NOT_FOUND'],
    ]);
  });

  test('messages name keys, never values', () => {
    const secretValue = 'value-of-api-key';
    const { errors } = applyKeyOperations(CURRENT, A_PROBLEM_IN_EVERY_OPERATION);
    expect(errors).toHaveLength(5);
    for (const error of errors) {
      expect(error.message).not.toContain(secretValue);
      expect(error.message).not.toContain('another-secret-value');
      expect(error.message).not.toContain('third-secret-value');
    }
  });
});
