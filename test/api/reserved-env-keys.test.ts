import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { RESERVED_ENV_KEYS, RESERVED_ENV_KEY_PREFIXES } from '../../src/modules/secret/reserved-env-keys.ts';
import { injectableEnv } from '../../src/modules/secret/secret.service.ts';
import type { CreateSecretInput, UpdateSecretInput } from '../gql/graphql.ts';
import { executeOk } from '../helpers/app.ts';
import { useTestApp, uniqueName } from '../helpers/fixtures.ts';
import { CreateSecret, NodeById, RotateSecret, UpdateSecret } from '../helpers/documents.ts';
import { rawId } from '../helpers/ids.ts';
import { storePreRuleEnvSecret } from '../helpers/pre-rule-secret.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';

const { t, team } = useTestApp();

/** Every reserved name, and one member of each reserved family. */
const EVERY_RESERVED_KEY = [
  ...RESERVED_ENV_KEYS,
  ...RESERVED_ENV_KEY_PREFIXES.map((prefix) => `${prefix}${prefix.endsWith('_') ? '' : '_'}X`),
];
const VALUE = 'value-long-enough-0001';

async function create(input: Partial<CreateSecretInput>) {
  return (await executeOk(t.app, CreateSecret, { input: { teamId: team.teamId, ...input } }, team.ownerToken)).createSecret;
}

async function createEnv(pairs: Record<string, string>): Promise<string> {
  const result = await create({
    name: uniqueName('env'),
    secretType: 'ENV',
    credentials: { envVars: Object.entries(pairs).map(([key, value]) => ({ key, value })) },
  });
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
  return result.secret.id;
}

async function update(input: UpdateSecretInput) {
  return (await executeOk(t.app, UpdateSecret, { input }, team.ownerToken)).updateSecret;
}

/** The rows a refused write must leave as they were, and the values `cli run` would inject (or why not). */
async function snapshot(id: string) {
  // secret.injected events are left out: reading the values here writes them.
  const { rows } = await sql<{ versions: number; events: number; version: number }>`
    select (select count(*)::int from secret_versions where secret_id = ${rawId(id)}) as versions,
           (select count(*)::int from audit_events where target_id = ${rawId(id)} and action <> 'secret.injected') as events,
           (select version from secrets where id = ${rawId(id)}) as version`.execute(t.db);
  return { ...rows[0], env: await injectableEnv(t.db, t.keyring, rawId(id)).catch((error: Error) => error.message) };
}

/** One env var of an input. */
const envVar = (key: string, value = VALUE) => ({ key, value });

const reservedError = (paths: string[][]) => ({
  __typename: 'ValidationError',
  code: 'RESERVED_ENV_KEY',
  fieldErrors: paths.map((path) => ({ path, code: 'RESERVED_ENV_KEY' })),
});

describe('RESERVED_ENV_KEY on every write path', () => {
  test('createSecret: every reserved key is refused, one fieldError per key at its path; nothing is stored', async () => {
    const name = uniqueName('reserved');
    const envVars = [{ key: 'FINE_KEY', value: VALUE }, ...EVERY_RESERVED_KEY.map((key) => ({ key, value: VALUE }))];
    const result = await create({ name, secretType: 'ENV', credentials: { envVars } });
    expect(result).toMatchObject(
      reservedError(EVERY_RESERVED_KEY.map((_, index) => ['input', 'credentials', 'envVars', String(index + 1), 'key'])),
    );
    if (result.__typename !== 'ValidationError') throw new Error('unreachable');
    expect(result.message).toContain('PATH');
    expect(result.message).not.toContain(VALUE);
    const { rows } = await sql<{ count: number }>`select count(*)::int as count from secrets where name = ${name}`.execute(t.db);
    expect(rows[0]!.count).toBe(0);
  });

  test('createSecret: the keys from the issue, one at a time', async () => {
    for (const key of ['PATH', 'BASH_ENV', 'NODE_OPTIONS', 'LD_PRELOAD', 'DYLD_INSERT_LIBRARIES', 'DATABASE_URL', 'CLOAKROOM_MASTER_KEY']) {
      expect(
        await create({ name: uniqueName('reserved'), secretType: 'ENV', credentials: { envVars: [{ key, value: VALUE }] } }),
        key,
      ).toMatchObject(reservedError([['input', 'credentials', 'envVars', '0', 'key']]));
    }
  });

  test('names that only look like reserved ones are ordinary keys', async () => {
    const keys = [
      'PATHS',
      'MY_PATH',
      'LDAP_URL',
      'NODE_ENV',
      'PORT',
      'HOST',
      'LOG_LEVEL',
      'DATABASE_PASSWORD',
      'GITHUB_TOKEN',
      'CLOAKROOM',
    ];
    const id = await createEnv(Object.fromEntries(keys.map((key) => [key, VALUE])));
    expect(Object.keys(await injectableEnv(t.db, t.keyring, rawId(id)))).toEqual(keys);
  });

  test('updateSecret values, addValues and renameKeys: refused at the key’s path; nothing changes', async () => {
    const id = await createEnv({ API_TOKEN: VALUE, OTHER: VALUE });
    const before = await snapshot(id);
    // Each change, and the paths of its refused keys.
    const changes: [Omit<UpdateSecretInput, 'id'>, string[][]][] = [
      [{ values: [envVar('API_TOKEN'), envVar('LD_PRELOAD', '/tmp/evil.so')] }, [['input', 'values', '1', 'key']]],
      [{ addValues: [envVar('FINE'), envVar('NODE_OPTIONS', '--require /tmp/evil.js')] }, [['input', 'addValues', '1', 'key']]],
      [{ renameKeys: [{ from: 'OTHER', to: 'BASH_ENV' }] }, [['input', 'renameKeys', '0', 'to']]],
      [
        { renameKeys: [{ from: 'OTHER', to: 'PATH' }], addValues: [envVar('CLOAKROOM_MASTER_KEY')] },
        [
          ['input', 'renameKeys', '0', 'to'],
          ['input', 'addValues', '0', 'key'],
        ],
      ],
    ];
    for (const [change, paths] of changes)
      expect(await update({ id, ...change }), JSON.stringify(change)).toMatchObject(reservedError(paths));
    expect(await snapshot(id)).toEqual(before);
  });

  test('rotateSecret: refused at the key’s path; nothing changes', async () => {
    const id = await createEnv({ API_TOKEN: VALUE });
    const before = await snapshot(id);
    const rotated = (
      await executeOk(
        t.app,
        RotateSecret,
        {
          input: {
            id,
            credentials: {
              envVars: [
                { key: 'API_TOKEN', value: VALUE },
                { key: 'PYTHONPATH', value: '/tmp' },
              ],
            },
          },
        },
        team.ownerToken,
      )
    ).rotateSecret;
    expect(rotated).toMatchObject(reservedError([['input', 'credentials', 'envVars', '1', 'key']]));
    expect(await snapshot(id)).toEqual(before);
  });

  test('presets: the value is stored under the preset’s (unreserved) key', async () => {
    const result = await create({ preset: 'openai', value: VALUE, name: uniqueName('preset') });
    expect(result).toMatchObject({ __typename: 'CreateSecretSuccess', secret: { envVarKeys: ['OPENAI_API_KEY'] } });
  });
});

describe('a secret stored before the rule', () => {
  test('a change that would carry its reserved key into a new version is refused; removing or renaming the key is how it heals', async () => {
    const id = await storePreRuleEnvSecret(t.db, t.keyring, rawId(team.teamId), {
      API_TOKEN: VALUE,
      PATH: '/tmp/evil-bin',
      LD_PRELOAD: '/tmp/evil.so',
    });
    const before = await snapshot(id);
    expect(before.env).toMatch(/reserved env keys .*: PATH, LD_PRELOAD/);
    expect(await update({ id, addValues: [{ key: 'FINE', value: VALUE }] })).toMatchObject(
      reservedError([
        ['input', 'removeKeys'],
        ['input', 'removeKeys'],
      ]),
    );
    expect(await update({ id, removeKeys: ['PATH'] })).toMatchObject(reservedError([['input', 'removeKeys']]));
    expect(await snapshot(id)).toEqual(before);

    // Metadata changes never re-seal the values: allowed.
    expect(await update({ id, description: 'being fixed' })).toMatchObject({ __typename: 'UpdateSecretSuccess' });
    expect(await update({ id, removeKeys: ['LD_PRELOAD'], renameKeys: [{ from: 'PATH', to: 'OLD_PATH' }] })).toMatchObject({
      __typename: 'UpdateSecretSuccess',
      secret: { envVarKeys: ['API_TOKEN', 'OLD_PATH'] },
    });
    expect(await injectableEnv(t.db, t.keyring, rawId(id))).toEqual({ API_TOKEN: VALUE, OLD_PATH: '/tmp/evil-bin' });
  });

  test('injectableEnv (cli run) refuses it before decrypting, naming the keys only, and records a DENIED secret.injected', async () => {
    const id = await storePreRuleEnvSecret(t.db, t.keyring, rawId(team.teamId), {
      API_TOKEN: VALUE,
      NODE_OPTIONS: '--require /tmp/evil.js',
    });
    await expect(injectableEnv(t.db, t.keyring, rawId(id))).rejects.toMatchObject({
      code: 'RESERVED_ENV_KEY',
      message: expect.stringContaining('NODE_OPTIONS'),
    });
    expect(await auditEventsOf(t.db, id)).toMatchObject([
      { action: 'secret.injected', outcome: 'DENIED', changed_fields: ['NODE_OPTIONS'] },
    ]);
    // Still visible as metadata, as before.
    expect((await executeOk(t.app, NodeById, { id }, team.ownerToken)).node).toMatchObject({ id });
  });
});
