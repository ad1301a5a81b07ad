import type { FieldError } from '../../errors.ts';
import { checkEnvKey, ENV_VALUE_MAX_LENGTH, ENV_VARS_MAX_COUNT } from './credential-checks.ts';

export interface EnvPair {
  key: string;
  value: string;
}

/** Key-level edits of an ENV secret, applied in this order: renames, removals, additions. */
export interface KeyOperations {
  renameKeys?: readonly { from: string; to: string }[] | null | undefined;
  removeKeys?: readonly string[] | null | undefined;
  addValues?: readonly EnvPair[] | null | undefined;
}

export const KeyOperationCode = {
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  KEY_ALREADY_EXISTS: 'KEY_ALREADY_EXISTS',
  EMPTY_KEY_LIST: 'EMPTY_KEY_LIST',
  NO_KEYS_LEFT: 'NO_KEYS_LEFT',
  TOO_MANY_KEYS: 'TOO_MANY_KEYS',
} as const;

export function hasKeyOperations(ops: KeyOperations): boolean {
  return ops.renameKeys != null || ops.removeKeys != null || ops.addValues != null;
}

/**
 * Applies key operations to the current pairs, all or nothing: every problem is reported (with
 * its path from `input`), and when there is any, the caller changes nothing. A rename keeps the
 * value; messages name keys, never values.
 */
export function applyKeyOperations(current: readonly EnvPair[], ops: KeyOperations): { pairs: EnvPair[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fail = (path: (string | number)[], code: string, message: string) =>
    errors.push({ path: ['input', ...path.map(String)], code, message });
  const values = new Map(current.map((pair) => [pair.key, pair.value]));

  ops.renameKeys?.forEach(({ from, to }, index) => {
    const problem = checkEnvKey(to);
    if (!values.has(from)) fail(['renameKeys', index, 'from'], KeyOperationCode.KEY_NOT_FOUND, `There is no key ${from} to rename`);
    else if (problem) fail(['renameKeys', index, 'to'], problem.code, problem.message);
    else if (values.has(to)) fail(['renameKeys', index, 'to'], KeyOperationCode.KEY_ALREADY_EXISTS, `Key ${to} already exists`);
    else {
      // Re-inserting keeps every other key where it was and puts the renamed one last.
      const value = values.get(from)!;
      values.delete(from);
      values.set(to, value);
    }
  });

  if (ops.removeKeys?.length === 0) fail(['removeKeys'], KeyOperationCode.EMPTY_KEY_LIST, 'removeKeys must name at least one key');
  ops.removeKeys?.forEach((key, index) => {
    if (!values.delete(key)) fail(['removeKeys', index], KeyOperationCode.KEY_NOT_FOUND, `There is no key ${key} to remove`);
  });

  ops.addValues?.forEach(({ key, value }, index) => {
    const problem = checkEnvKey(key);
    if (problem) fail(['addValues', index, 'key'], problem.code, problem.message);
    else if (values.has(key))
      fail(['addValues', index, 'key'], KeyOperationCode.KEY_ALREADY_EXISTS, `Key ${key} already exists: rename or remove it first`);
    else if (value.trim() === '') fail(['addValues', index, 'value'], 'REQUIRED', 'value is required');
    else if (value.length > ENV_VALUE_MAX_LENGTH)
      fail(['addValues', index, 'value'], 'TOO_LONG', `value must be at most ${ENV_VALUE_MAX_LENGTH} characters`);
    else values.set(key, value);
  });

  if (!errors.length && values.size === 0) fail(['removeKeys'], KeyOperationCode.NO_KEYS_LEFT, 'An ENV secret keeps at least one key');
  if (values.size > ENV_VARS_MAX_COUNT)
    fail(['addValues'], KeyOperationCode.TOO_MANY_KEYS, `An ENV secret holds at most ${ENV_VARS_MAX_COUNT} keys`);
  return { pairs: [...values].map(([key, value]) => ({ key, value })), errors };
}
