import { describe, expect, test } from 'vitest';
import { ENV_KEY_PATTERN } from './credential-checks.ts';
import { AUTH_METHODS, credentialFieldsFor } from './provider-catalogue.ts';
import { SECRET_PRESETS } from './presets.ts';
import { isCloakroomConfigKey, isReservedEnvKey, RESERVED_ENV_KEY_PREFIXES, RESERVED_ENV_KEYS } from './reserved-env-keys.ts';

describe('RESERVED_ENV_KEY list', () => {
  test('holds at least the keys the security review named, by name or by family', () => {
    const named = [
      'PATH',
      'BASH_ENV',
      'ENV',
      'SHELLOPTS',
      'IFS',
      'PS4',
      'LD_PRELOAD',
      'LD_LIBRARY_PATH',
      'LD_AUDIT',
      'DYLD_INSERT_LIBRARIES',
      'NODE_OPTIONS',
      'NODE_PATH',
    ];
    const more = [
      'PYTHONSTARTUP',
      'PYTHONPATH',
      'PERL5OPT',
      'PERL5LIB',
      'RUBYOPT',
      'JAVA_TOOL_OPTIONS',
      '_JAVA_OPTIONS',
      'GIT_SSH_COMMAND',
    ];
    const cloakroom = [
      'CLOAKROOM_MASTER_KEY',
      'CLOAKROOM_PREVIOUS_MASTER_KEYS',
      'CLOAKROOM_ANYTHING',
      'DATABASE_URL',
      'DATABASE_REPLICA_URL',
      'REDIS_URL',
      'DATA_DIR',
    ];
    for (const key of [...named, ...more, ...cloakroom]) expect(isReservedEnvKey(key), key).toBe(true);
  });

  test('every entry is a key an ENV secret could otherwise hold (so none is dead weight)', () => {
    for (const key of RESERVED_ENV_KEYS) expect(key).toMatch(ENV_KEY_PATTERN);
    for (const prefix of RESERVED_ENV_KEY_PREFIXES) expect(`${prefix}X`).toMatch(ENV_KEY_PATTERN);
  });

  test('no preset and no storage credential uses a reserved name (they could never be stored)', () => {
    const names = [
      ...SECRET_PRESETS.flatMap((preset) => preset.envVars),
      ...AUTH_METHODS.flatMap((method) => credentialFieldsFor(method).map((field) => field.envVar)),
    ];
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter(isReservedEnvKey)).toEqual([]);
  });

  test('lookalikes stay ordinary; names are case-sensitive as on Unix', () => {
    for (const key of [
      'PATHS',
      'MY_PATH',
      'LDAP_URL',
      'LD',
      'NODE_ENV',
      'PORT',
      'HOST',
      'GITHUB_TOKEN',
      'GIT_TOKEN',
      'CLOAKROOM',
      'DATABASE_PASSWORD',
      'path',
    ]) {
      expect(isReservedEnvKey(key), key).toBe(false);
    }
  });

  test('cli run strips cloakroom’s own configuration from what the child inherits, and nothing else', () => {
    for (const key of [
      'CLOAKROOM_MASTER_KEY',
      'CLOAKROOM_PREVIOUS_MASTER_KEYS',
      'CLOAKROOM_RATE_LIMIT_QUERIES_PER_MINUTE',
      'DATABASE_URL',
      'DATABASE_REPLICA_URL',
      'REDIS_URL',
      'DATA_DIR',
    ]) {
      expect(isCloakroomConfigKey(key), key).toBe(true);
    }
    for (const key of ['PATH', 'HOME', 'LANG', 'NODE_ENV', 'PORT', 'TERM']) expect(isCloakroomConfigKey(key), key).toBe(false);
  });
});
