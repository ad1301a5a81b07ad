import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { injectableEnv } from '../../src/modules/secret/secret.service.ts';
import { graphql } from '../gql/index.ts';
import type { CreateSecretInput, EnvVarInput, UpdateSecretInput } from '../gql/graphql.ts';
import { createTeamWithOwner, execute, executeOk } from '../helpers/app.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';
import { CreateSecret, NodeById, RotateSecret, TeamSecrets, UpdateSecret } from '../helpers/documents.ts';
import { fixtures, useTestApp, uniqueName } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';

/** NodeById's secret fields and what only ENV secrets set. */
const EnvSecretDetails = graphql(`
  query EnvSecretDetails($id: ID!) {
    node(id: $id) {
      ... on Secret {
        ...SecretFields
        serviceSlug
        visibility
      }
    }
  }
`);

const EnvSecretByName = graphql(`
  query EnvSecretByName($teamId: ID!, $name: String!) {
    team(id: $teamId) {
      secretByName(name: $name) {
        id
        name
      }
    }
  }
`);

const EnvSecretPresets = graphql(`
  query EnvSecretPresets {
    secretPresets {
      slug
      label
      envVars
      secretType
    }
  }
`);

const { t, team } = useTestApp();

/** Long enough (20–23 characters: a quarter is 5) that the preview shows its first 3 and last 2 characters. */
const LONG = { A: 'alpha-value-0001-AAA', B: 'bravo-value-0002-BBB', C: 'charlie-value-0003-CCC', D: 'delta-value-0004-DDD' };
const preview = (value: string) => `${value.slice(0, 3)}••••${value.slice(-2)}`;

async function create(input: Partial<CreateSecretInput>, token = team.ownerToken, teamId = team.teamId) {
  return (await executeOk(t.app, CreateSecret, { input: { teamId, ...input } }, token)).createSecret;
}

/** createSecret of an ENV secret with these pairs, in this order (repeated keys kept). */
function createWithPairs(envVars: EnvVarInput[], input: Partial<CreateSecretInput> = {}) {
  return create({ name: uniqueName('env'), secretType: 'ENV', credentials: { envVars }, ...input });
}

/** An ENV secret with these pairs; returns its id. */
async function createEnv(values: Record<string, string>, input: Partial<CreateSecretInput> = {}): Promise<string> {
  const result = await createWithPairs(
    Object.entries(values).map(([key, value]) => ({ key, value })),
    input,
  );
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
  return result.secret.id;
}

async function update(input: UpdateSecretInput, token = team.ownerToken) {
  return (await executeOk(t.app, UpdateSecret, { input }, token)).updateSecret;
}

async function details(id: string) {
  const node = (await executeOk(t.app, EnvSecretDetails, { id }, team.ownerToken)).node;
  if (!node || !('version' in node)) throw new Error(`no secret ${id}`);
  return node;
}

/** key → maskedValue, in the secret's key order. */
async function masks(id: string): Promise<Record<string, string | null>> {
  const secret = await details(id);
  return Object.fromEntries((secret.credentialFields ?? []).map((field) => [field.envVar, field.maskedValue]));
}

/** The plaintext pairs as `cli run` would inject them (server side, in process). */
async function plaintext(id: string): Promise<Record<string, string>> {
  return injectableEnv(t.db, t.keyring, rawId(id));
}

async function countRows(table: 'secret_versions' | 'audit_events', column: 'secret_id' | 'target_id', id: string): Promise<number> {
  const { rows } = await sql<{
    count: number;
  }>`select count(*)::int as count from ${sql.table(table)} where ${sql.ref(column)} = ${rawId(id)}`.execute(t.db);
  return rows[0]!.count;
}

/** Everything a failed update must leave as it was. */
async function snapshot(id: string) {
  const secret = await details(id);
  return {
    secret,
    versionRows: await countRows('secret_versions', 'secret_id', id),
    auditRows: await countRows('audit_events', 'target_id', id),
  };
}

/** Runs an update that must fail with `code`, and proves it changed nothing. */
async function expectRejected(
  id: string,
  input: Omit<UpdateSecretInput, 'id'>,
  expected: { code: string; fieldErrors?: { path: string[]; code: string }[] },
) {
  const before = await snapshot(id);
  const result = await update({ id, ...input });
  expect(result).toMatchObject({ __typename: 'ValidationError', code: expected.code });
  if (result.__typename !== 'ValidationError') throw new Error('unreachable');
  if (expected.fieldErrors) expect(result.fieldErrors).toEqual(expected.fieldErrors);
  expect(await snapshot(id)).toEqual(before);
  return result;
}

describe('creating ENV secrets', () => {
  test('authMethod defaults to ENV_VARS; envVarKeys and one masked preview per key, in input order', async () => {
    const result = await createWithPairs([
      { key: 'OPENAI_API_KEY', value: 'sk-proj-0123456789abcdef' },
      { key: 'SHORT', value: 'tiny' },
    ]);
    if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
    expect(result.secret).toMatchObject({
      secretType: 'ENV',
      authMethod: 'ENV_VARS',
      storage: 'NATIVE',
      version: 1,
      envVarKeys: ['OPENAI_API_KEY', 'SHORT'],
    });
    expect(result.secret.credentialFields).toEqual([
      { name: 'OPENAI_API_KEY', envVar: 'OPENAI_API_KEY', maskedValue: 'sk-••••def' },
      { name: 'SHORT', envVar: 'SHORT', maskedValue: '••••' },
    ]);
    expect(await plaintext(result.secret.id)).toEqual({ OPENAI_API_KEY: 'sk-proj-0123456789abcdef', SHORT: 'tiny' });
    expect(await details(result.secret.id)).toMatchObject({ visibility: 'TEAM', serviceSlug: null });
  });

  test('bad pairs are INVALID_CREDENTIALS with a path per bad key or value', async () => {
    const result = await createWithPairs([
      { key: 'lower', value: 'v-value' },
      { key: 'OK', value: ' ' },
      { key: 'DUP', value: 'one' },
      { key: 'DUP', value: 'two' },
    ]);
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      code: 'INVALID_CREDENTIALS',
      fieldErrors: [
        { path: ['input', 'credentials', 'envVars', '0', 'key'], code: 'INVALID_FORMAT' },
        { path: ['input', 'credentials', 'envVars', '1', 'value'], code: 'REQUIRED' },
        { path: ['input', 'credentials', 'envVars', '3', 'key'], code: 'DUPLICATE_KEY' },
      ],
    });
    expect(await createWithPairs([])).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      fieldErrors: [{ path: ['input', 'credentials', 'envVars'], code: 'REQUIRED' }],
    });
    expect(await create({ name: uniqueName('env'), secretType: 'ENV', credentials: { accessKey: fixtures.accessKey() } })).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      fieldErrors: [{ path: ['input', 'credentials', 'accessKey'], code: 'CREDENTIALS_MISMATCH_AUTH_METHOD' }],
    });
  });
});

describe('values: replaces the whole set', () => {
  test('the keys become exactly the new ones; a new version; previews and plaintext follow', async () => {
    const id = await createEnv({ A: LONG.A, B: LONG.B });
    const versionRows = await countRows('secret_versions', 'secret_id', id);
    const result = await update({
      id,
      values: [
        { key: 'C', value: LONG.C },
        { key: 'A', value: LONG.D },
      ],
    });
    expect(result).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { version: 2, envVarKeys: ['C', 'A'] } });
    expect(await masks(id)).toEqual({ C: preview(LONG.C), A: preview(LONG.D) });
    expect(await countRows('secret_versions', 'secret_id', id)).toBe(versionRows + 1);
    expect(await plaintext(id)).toEqual({ C: LONG.C, A: LONG.D });
  });

  test('bad values are INVALID_CREDENTIALS at input.values.N…, and change nothing', async () => {
    const id = await createEnv({ A: LONG.A });
    await expectRejected(
      id,
      {
        values: [
          { key: 'GOOD', value: LONG.B },
          { key: 'bad-key', value: LONG.C },
        ],
      },
      { code: 'INVALID_CREDENTIALS', fieldErrors: [{ path: ['input', 'values', '1', 'key'], code: 'INVALID_FORMAT' }] },
    );
    await expectRejected(
      id,
      { values: [] },
      { code: 'INVALID_CREDENTIALS', fieldErrors: [{ path: ['input', 'values'], code: 'REQUIRED' }] },
    );
  });

  test('values with key operations or credentials: VALUES_AND_KEY_OPERATIONS_EXCLUSIVE', async () => {
    const id = await createEnv({ A: LONG.A, B: LONG.B });
    for (const ops of [{ renameKeys: [{ from: 'A', to: 'X' }] }, { removeKeys: ['B'] }, { addValues: [{ key: 'N', value: LONG.C }] }]) {
      await expectRejected(
        id,
        { values: [{ key: 'Z', value: LONG.D }], ...ops },
        {
          code: 'VALUES_AND_KEY_OPERATIONS_EXCLUSIVE',
          fieldErrors: [{ path: ['input', 'values'], code: 'VALUES_AND_KEY_OPERATIONS_EXCLUSIVE' }],
        },
      );
    }
    await expectRejected(
      id,
      { values: [{ key: 'Z', value: LONG.D }], credentials: { envVars: [{ key: 'Y', value: LONG.C }] } },
      { code: 'VALUES_AND_KEY_OPERATIONS_EXCLUSIVE' },
    );
  });
});

describe('key operations, one at a time', () => {
  test('renameKeys keeps the value: the masked preview and the plaintext move with the key', async () => {
    const id = await createEnv({ A: LONG.A, B: LONG.B });
    const result = await update({ id, renameKeys: [{ from: 'A', to: 'RENAMED_A' }] });
    expect(result).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { version: 2 } });
    if (result.__typename !== 'UpdateSecretSuccess') throw new Error('unreachable');
    expect([...(result.secret.envVarKeys ?? [])].sort()).toEqual(['B', 'RENAMED_A']);
    expect(await masks(id)).toEqual({ B: preview(LONG.B), RENAMED_A: preview(LONG.A) });
    expect(await plaintext(id)).toEqual({ B: LONG.B, RENAMED_A: LONG.A });
  });

  test('removeKeys drops the named keys', async () => {
    const id = await createEnv({ A: LONG.A, B: LONG.B, C: LONG.C });
    expect(await update({ id, removeKeys: ['A', 'C'] })).toMatchObject({ secret: { version: 2, envVarKeys: ['B'] } });
    expect(await masks(id)).toEqual({ B: preview(LONG.B) });
    expect(await plaintext(id)).toEqual({ B: LONG.B });
  });

  test('addValues adds new keys and keeps the others', async () => {
    const id = await createEnv({ A: LONG.A });
    expect(
      await update({
        id,
        addValues: [
          { key: 'NEW_KEY', value: LONG.D },
          { key: 'SHORT', value: 'x' },
        ],
      }),
    ).toMatchObject({ secret: { version: 2, envVarKeys: ['A', 'NEW_KEY', 'SHORT'] } });
    expect(await masks(id)).toEqual({ A: preview(LONG.A), NEW_KEY: preview(LONG.D), SHORT: '••••' });
    expect(await plaintext(id)).toEqual({ A: LONG.A, NEW_KEY: LONG.D, SHORT: 'x' });
  });

  test('each successful key edit writes one secret version and one secret.updated audit event naming credentials', async () => {
    const id = await createEnv({ A: LONG.A });
    const before = {
      versions: await countRows('secret_versions', 'secret_id', id),
      audit: await countRows('audit_events', 'target_id', id),
    };
    await update({ id, addValues: [{ key: 'B', value: LONG.B }] });
    expect(await countRows('secret_versions', 'secret_id', id)).toBe(before.versions + 1);
    expect(await countRows('audit_events', 'target_id', id)).toBe(before.audit + 1);
    const event = (await auditEventsOf(t.db, id)).at(-1);
    expect(event).toMatchObject({ action: 'secret.updated', changed_fields: ['credentials'], target_version: 2 });
  });

  test('a key edit honours expectedVersion', async () => {
    const id = await createEnv({ A: LONG.A });
    expect(await update({ id, expectedVersion: 5, addValues: [{ key: 'B', value: LONG.B }] })).toMatchObject({
      __typename: 'ConflictError',
      code: 'VERSION_MISMATCH',
    });
    expect(await update({ id, expectedVersion: 1, addValues: [{ key: 'B', value: LONG.B }] })).toMatchObject({
      __typename: 'UpdateSecretSuccess',
      secret: { version: 2 },
    });
  });
});

describe('key operations together: renames, then removals, then additions, in one version', () => {
  test('a removal sees renamed keys and an addition may reuse a freed name', async () => {
    const id = await createEnv({ A: LONG.A, B: LONG.B, C: LONG.C });
    const versionRows = await countRows('secret_versions', 'secret_id', id);
    const result = await update({
      id,
      renameKeys: [
        { from: 'A', to: 'OLD_A' },
        { from: 'B', to: 'B_RENAMED' },
      ],
      removeKeys: ['B_RENAMED'],
      addValues: [
        { key: 'A', value: LONG.D },
        { key: 'B', value: 'short' },
      ],
    });
    expect(result).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { version: 2 } });
    expect(await masks(id)).toEqual({ C: preview(LONG.C), OLD_A: preview(LONG.A), A: preview(LONG.D), B: '••••' });
    expect(await plaintext(id)).toEqual({ C: LONG.C, OLD_A: LONG.A, A: LONG.D, B: 'short' });
    expect(await countRows('secret_versions', 'secret_id', id)).toBe(versionRows + 1);
  });

  test('removing the old name of a renamed key is KEY_NOT_FOUND (the rename came first)', async () => {
    const id = await createEnv({ A: LONG.A, B: LONG.B });
    await expectRejected(
      id,
      { renameKeys: [{ from: 'A', to: 'X' }], removeKeys: ['A'] },
      {
        code: 'INVALID_KEY_OPERATIONS',
        fieldErrors: [{ path: ['input', 'removeKeys', '0'], code: 'KEY_NOT_FOUND' }],
      },
    );
  });

  test('a failing combined update changes nothing: same version, keys, previews, plaintext, version rows, audit rows', async () => {
    const id = await createEnv({ A: LONG.A, B: LONG.B, C: LONG.C });
    const plainBefore = await plaintext(id);
    await expectRejected(
      id,
      {
        renameKeys: [{ from: 'A', to: 'RENAMED' }],
        removeKeys: ['B'],
        addValues: [
          { key: 'NEW', value: LONG.D },
          { key: 'C', value: 'clash-value' },
        ],
      },
      { code: 'INVALID_KEY_OPERATIONS', fieldErrors: [{ path: ['input', 'addValues', '1', 'key'], code: 'KEY_ALREADY_EXISTS' }] },
    );
    expect((await details(id)).version).toBe(1);
    expect(await plaintext(id)).toEqual(plainBefore);
  });
});

describe('key operation errors: INVALID_KEY_OPERATIONS with a precise fieldError each', () => {
  test.each<[string, Omit<UpdateSecretInput, 'id'>, { path: string[]; code: string }[]]>([
    [
      'rename from a missing key',
      {
        renameKeys: [
          { from: 'A', to: 'X' },
          { from: 'MISSING', to: 'Y' },
        ],
      },
      [{ path: ['input', 'renameKeys', '1', 'from'], code: 'KEY_NOT_FOUND' }],
    ],
    [
      'rename onto an existing key',
      { renameKeys: [{ from: 'A', to: 'B' }] },
      [{ path: ['input', 'renameKeys', '0', 'to'], code: 'KEY_ALREADY_EXISTS' }],
    ],
    [
      'rename to an invalid key',
      { renameKeys: [{ from: 'A', to: 'not-an-env-key' }] },
      [{ path: ['input', 'renameKeys', '0', 'to'], code: 'INVALID_FORMAT' }],
    ],
    ['remove a missing key', { removeKeys: ['A', 'MISSING'] }, [{ path: ['input', 'removeKeys', '1'], code: 'KEY_NOT_FOUND' }]],
    ['an empty removeKeys', { removeKeys: [] }, [{ path: ['input', 'removeKeys'], code: 'EMPTY_KEY_LIST' }]],
    ['remove every key', { removeKeys: ['A', 'B'] }, [{ path: ['input', 'removeKeys'], code: 'NO_KEYS_LEFT' }]],
    [
      'add an existing key',
      { addValues: [{ key: 'B', value: 'other-value' }] },
      [{ path: ['input', 'addValues', '0', 'key'], code: 'KEY_ALREADY_EXISTS' }],
    ],
    ['add a blank value', { addValues: [{ key: 'NEW', value: '  ' }] }, [{ path: ['input', 'addValues', '0', 'value'], code: 'REQUIRED' }]],
    [
      'several problems at once',
      { renameKeys: [{ from: 'NOPE', to: 'X' }], removeKeys: ['GONE'], addValues: [{ key: 'A', value: 'v-value' }] },
      [
        { path: ['input', 'renameKeys', '0', 'from'], code: 'KEY_NOT_FOUND' },
        { path: ['input', 'removeKeys', '0'], code: 'KEY_NOT_FOUND' },
        { path: ['input', 'addValues', '0', 'key'], code: 'KEY_ALREADY_EXISTS' },
      ],
    ],
  ])('%s', async (_name, ops, fieldErrors) => {
    const id = await createEnv({ A: LONG.A, B: LONG.B });
    const result = await expectRejected(id, ops, { code: 'INVALID_KEY_OPERATIONS', fieldErrors });
    // Messages name keys, never values.
    expect(JSON.stringify(result)).not.toContain(LONG.A);
    expect(JSON.stringify(result)).not.toContain(LONG.B);
  });

  test('key operations on a non-ENV secret: ENV_ONLY, at the field that was given', async () => {
    const created = await create({ name: uniqueName('s3'), secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } });
    if (created.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
    const id = created.secret.id;
    await expectRejected(
      id,
      { renameKeys: [{ from: 'AWS_ACCESS_KEY_ID', to: 'X' }] },
      { code: 'ENV_ONLY', fieldErrors: [{ path: ['input', 'renameKeys'], code: 'ENV_ONLY' }] },
    );
    await expectRejected(
      id,
      { removeKeys: ['AWS_ACCESS_KEY_ID'] },
      { code: 'ENV_ONLY', fieldErrors: [{ path: ['input', 'removeKeys'], code: 'ENV_ONLY' }] },
    );
    await expectRejected(
      id,
      { addValues: [{ key: 'X', value: LONG.A }] },
      { code: 'ENV_ONLY', fieldErrors: [{ path: ['input', 'addValues'], code: 'ENV_ONLY' }] },
    );
    await expectRejected(
      id,
      { values: [{ key: 'X', value: LONG.A }] },
      { code: 'ENV_ONLY', fieldErrors: [{ path: ['input', 'values'], code: 'ENV_ONLY' }] },
    );
  });

  test('key operations with credentials, or changing an ENV secret to another type with them: VALUES_AND_KEY_OPERATIONS_EXCLUSIVE / ENV_ONLY', async () => {
    const id = await createEnv({ A: LONG.A });
    await expectRejected(
      id,
      { addValues: [{ key: 'B', value: LONG.B }], credentials: { envVars: [{ key: 'C', value: LONG.C }] } },
      {
        code: 'VALUES_AND_KEY_OPERATIONS_EXCLUSIVE',
        fieldErrors: [{ path: ['input', 'addValues'], code: 'VALUES_AND_KEY_OPERATIONS_EXCLUSIVE' }],
      },
    );
    await expectRejected(
      id,
      { removeKeys: ['A'], credentials: { envVars: [{ key: 'C', value: LONG.C }] } },
      {
        code: 'VALUES_AND_KEY_OPERATIONS_EXCLUSIVE',
        fieldErrors: [{ path: ['input', 'removeKeys'], code: 'VALUES_AND_KEY_OPERATIONS_EXCLUSIVE' }],
      },
    );
    await expectRejected(
      id,
      {
        secretType: 'S3',
        authMethod: 'S3_ACCESS_KEY',
        renameKeys: [{ from: 'A', to: 'B' }],
        credentials: { accessKey: fixtures.accessKey() },
      },
      { code: 'ENV_ONLY', fieldErrors: [{ path: ['input', 'renameKeys'], code: 'ENV_ONLY' }] },
    );
  });
});

describe('presets', () => {
  test('secretPresets lists API-key providers with their env var, then the storage auth methods', async () => {
    const { secretPresets } = await executeOk(t.app, EnvSecretPresets, {}, team.ownerToken);
    const bySlug = new Map(secretPresets.map((preset) => [preset.slug, preset]));
    expect(bySlug.get('openai')).toMatchObject({ envVars: ['OPENAI_API_KEY'], secretType: null });
    expect(bySlug.get('anthropic')).toMatchObject({ envVars: ['ANTHROPIC_API_KEY'], secretType: null });
    expect(bySlug.get('github')).toMatchObject({ envVars: ['GITHUB_TOKEN'], secretType: null });
    const storage = secretPresets.filter((preset) => preset.secretType !== null);
    expect(storage.find((preset) => preset.secretType === 'S3')).toMatchObject({ envVars: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
    expect(storage.find((preset) => preset.secretType === 'GCS')).toMatchObject({ envVars: ['GOOGLE_APPLICATION_CREDENTIALS_JSON'] });
    expect(storage.some((preset) => preset.envVars.includes('AZURE_STORAGE_ACCOUNT'))).toBe(true);
    expect(new Set(secretPresets.map((preset) => preset.slug)).size).toBe(secretPresets.length);
  });

  test('preset + value: an ENV secret named and keyed after the env var, tagged with the service', async () => {
    const own = await createTeamWithOwner(t.db);
    const result = await create({ preset: 'openai', value: 'sk-proj-abcdefghijklmnop' }, own.ownerToken, own.teamId);
    expect(result).toMatchObject({
      __typename: 'CreateSecretSuccess',
      secret: { name: 'OPENAI_API_KEY', secretType: 'ENV', authMethod: 'ENV_VARS', envVarKeys: ['OPENAI_API_KEY'] },
    });
    if (result.__typename !== 'CreateSecretSuccess') throw new Error('unreachable');
    expect(result.secret.credentialFields).toEqual([{ name: 'OPENAI_API_KEY', envVar: 'OPENAI_API_KEY', maskedValue: 'sk-••••nop' }]);
    const node = (await executeOk(t.app, EnvSecretDetails, { id: result.secret.id }, own.ownerToken)).node;
    expect(node).toMatchObject({ serviceSlug: 'openai', visibility: 'TEAM' });
    expect(await plaintext(result.secret.id)).toEqual({ OPENAI_API_KEY: 'sk-proj-abcdefghijklmnop' });
    // The default name is taken now: a second one needs its own name.
    expect(await create({ preset: 'openai', value: 'sk-other-0123456789' }, own.ownerToken, own.teamId)).toMatchObject({
      __typename: 'ConflictError',
      code: 'NAME_TAKEN',
    });
  });

  test('an explicit name and serviceSlug win over the preset’s', async () => {
    const result = await create({
      preset: 'github',
      value: 'ghp_0123456789abcdefghij',
      name: uniqueName('ci-token'),
      serviceSlug: 'github-enterprise',
    });
    if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
    expect(result.secret.envVarKeys).toEqual(['GITHUB_TOKEN']);
    expect(await details(result.secret.id)).toMatchObject({ serviceSlug: 'github-enterprise' });
  });

  test('an unknown preset, or a value without one: UNKNOWN_PRESET', async () => {
    expect(await create({ preset: 'no-such-service', value: 'v-0123456789abc' })).toMatchObject({
      __typename: 'ValidationError',
      code: 'UNKNOWN_PRESET',
      fieldErrors: [{ path: ['input', 'preset'], code: 'UNKNOWN_PRESET' }],
    });
    expect(await create({ name: uniqueName('x'), value: 'v-0123456789abc' })).toMatchObject({ code: 'UNKNOWN_PRESET' });
  });

  test('a preset with credentials, another type, without a value, or a storage preset with a value: PRESET_CONFLICT', async () => {
    expect(
      await create({
        preset: 'anthropic',
        value: 'sk-ant-0123456789',
        name: uniqueName('a'),
        credentials: { envVars: [{ key: 'X', value: 'y-value' }] },
      }),
    ).toMatchObject({
      __typename: 'ValidationError',
      code: 'PRESET_CONFLICT',
    });
    expect(await create({ preset: 'anthropic', value: 'sk-ant-0123456789', name: uniqueName('a'), secretType: 'S3' })).toMatchObject({
      code: 'PRESET_CONFLICT',
    });
    expect(await create({ preset: 'anthropic', name: uniqueName('a') })).toMatchObject({ code: 'PRESET_CONFLICT' });
    expect(await create({ preset: 's3-access-key', value: 'AKIA0123456789ABCDEF' })).toMatchObject({ code: 'PRESET_CONFLICT' });
    const names =
      (await executeOk(t.app, TeamSecrets, { teamId: team.teamId, first: 100, filter: { serviceSlug: 'anthropic' } }, team.ownerToken)).team
        ?.secrets.edges ?? [];
    expect(names).toEqual([]);
  });
});

describe('serviceSlug', () => {
  test('set on create, filterable, changed and cleared on update', async () => {
    const slug = `svc-${Date.now()}`;
    const first = await createEnv({ A: LONG.A }, { serviceSlug: slug });
    const second = await createEnv({ B: LONG.B }, { serviceSlug: slug });
    await createEnv({ C: LONG.C }, { serviceSlug: `${slug}-other` });
    const list = async (filter: { serviceSlug: string; secretType?: 'ENV' | 'S3' }) =>
      ((await executeOk(t.app, TeamSecrets, { teamId: team.teamId, first: 100, filter }, team.ownerToken)).team?.secrets.edges ?? [])
        .map((edge) => edge.node.id)
        .sort();
    expect(await list({ serviceSlug: slug })).toEqual([first, second].sort());
    expect(await list({ serviceSlug: slug, secretType: 'S3' })).toEqual([]);

    expect(await update({ id: second, serviceSlug: `${slug}-other` })).toMatchObject({
      __typename: 'UpdateSecretSuccess',
      secret: { version: 2 },
    });
    expect(await list({ serviceSlug: slug })).toEqual([first]);
    expect(await update({ id: first, serviceSlug: null })).toMatchObject({ __typename: 'UpdateSecretSuccess' });
    expect(await details(first)).toMatchObject({ serviceSlug: null, version: 2 });
    expect(await list({ serviceSlug: slug })).toEqual([]);
  });

  test('1–64 characters', async () => {
    expect(await createWithPairs([{ key: 'A', value: LONG.A }], { serviceSlug: 'x'.repeat(65) })).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['input', 'serviceSlug'] }],
    });
    expect(await createWithPairs([{ key: 'A', value: LONG.A }], { serviceSlug: '' })).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['input', 'serviceSlug'] }],
    });
    const id = await createEnv({ A: LONG.A }, { serviceSlug: 'x'.repeat(64) });
    expect(await update({ id, serviceSlug: 'y'.repeat(65) })).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['input', 'serviceSlug'] }],
    });
    expect(await details(id)).toMatchObject({ serviceSlug: 'x'.repeat(64), version: 1 });
  });
});

describe('Team.secretByName', () => {
  test('finds a secret case-insensitively; null for unknown names and for other teams', async () => {
    const name = uniqueName('Mixed-Case-Name');
    const id = await createEnv({ A: LONG.A }, { name });
    for (const variant of [name, name.toLowerCase(), name.toUpperCase()]) {
      expect((await executeOk(t.app, EnvSecretByName, { teamId: team.teamId, name: variant }, team.ownerToken)).team?.secretByName).toEqual(
        { id, name },
      );
    }
    expect(
      (await executeOk(t.app, EnvSecretByName, { teamId: team.teamId, name: `${name}-nope` }, team.ownerToken)).team?.secretByName,
    ).toBeNull();
    // A substring is not a match.
    expect(
      (await executeOk(t.app, EnvSecretByName, { teamId: team.teamId, name: name.slice(0, -1) }, team.ownerToken)).team?.secretByName,
    ).toBeNull();

    const other = await createTeamWithOwner(t.db);
    expect((await executeOk(t.app, EnvSecretByName, { teamId: other.teamId, name }, other.ownerToken)).team?.secretByName).toBeNull();
    const { body } = await execute(t.app, EnvSecretByName, { teamId: team.teamId, name }, other.ownerToken);
    expect(body.data?.team).toBeNull();
  });
});

describe('PAYLOAD_MISSING: the current version has no payload in the database', () => {
  const removals = {
    'its version row was deleted': (id: string) => sql`delete from secret_versions where secret_id = ${rawId(id)}`,
    'its payload columns were emptied': (id: string) =>
      sql`update secret_versions set ciphertext = null, iv = null, auth_tag = null, wrapped_data_key = null, master_key_id = null where secret_id = ${rawId(id)}`,
  };

  test.each(Object.entries(removals))(
    '%s: key edits and cli run answer a typed PAYLOAD_MISSING, not INTERNAL; rotateSecret still stores new values',
    async (_label, remove) => {
      const id = await createEnv({ A: LONG.A, B: LONG.B });
      await remove(id).execute(t.db);
      const before = await snapshot(id);

      for (const edit of [{ addValues: [{ key: 'C', value: LONG.C }] }, { removeKeys: ['B'] }, { renameKeys: [{ from: 'A', to: 'A2' }] }]) {
        const { status, body } = await execute(t.app, UpdateSecret, { input: { id, ...edit } }, team.ownerToken);
        expect(status).toBe(200);
        expect(body.errors).toBeUndefined();
        expect(body.data?.updateSecret).toMatchObject({ __typename: 'ConflictError', code: 'PAYLOAD_MISSING' });
      }
      expect(await snapshot(id)).toEqual(before);
      await expect(plaintext(id)).rejects.toMatchObject({ name: 'ConflictError', code: 'PAYLOAD_MISSING' });

      // The way out: new values need nothing from the missing payload.
      const rotated = (
        await executeOk(t.app, RotateSecret, { input: { id, credentials: { envVars: [{ key: 'A', value: LONG.D }] } } }, team.ownerToken)
      ).rotateSecret;
      expect(rotated).toMatchObject({ __typename: 'RotateSecretSuccess' });
      expect(await plaintext(id)).toEqual({ A: LONG.D });
    },
  );

  test.each(Object.entries(removals))(
    '%s, on a storage secret: reads answer from the stored previews, cli run is PAYLOAD_MISSING, update and rotate store new values',
    async (_label, remove) => {
      const accessKey = fixtures.accessKey();
      const created = await create({ name: uniqueName('s3'), secretType: 'S3', credentials: { accessKey } });
      if (created.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
      const { id } = created.secret;
      await remove(id).execute(t.db);

      // Reading never opens the payload: the previews stored at write time answer.
      const read = await execute(t.app, NodeById, { id }, team.ownerToken);
      expect(read.status).toBe(200);
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data?.node).toMatchObject({ id, version: 1, credentialFields: created.secret.credentialFields });
      await expect(plaintext(id)).rejects.toMatchObject({ name: 'ConflictError', code: 'PAYLOAD_MISSING' });

      // The same values again: with nothing stored to compare them with, a change (a new version), not a failure.
      const updated = await execute(t.app, UpdateSecret, { input: { id, credentials: { accessKey } } }, team.ownerToken);
      expect(updated.status).toBe(200);
      expect(updated.body.errors).toBeUndefined();
      expect(updated.body.data?.updateSecret).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { version: 2 } });
      expect(await plaintext(id)).toEqual({ AWS_ACCESS_KEY_ID: accessKey.accessKeyId, AWS_SECRET_ACCESS_KEY: accessKey.secretAccessKey });

      await remove(id).execute(t.db);
      const next = fixtures.accessKey();
      const rotated = await execute(t.app, RotateSecret, { input: { id, credentials: { accessKey: next } } }, team.ownerToken);
      expect(rotated.status).toBe(200);
      expect(rotated.body.errors).toBeUndefined();
      expect(rotated.body.data?.rotateSecret).toMatchObject({ __typename: 'RotateSecretSuccess', secret: { version: 3 } });
      expect(await plaintext(id)).toEqual({ AWS_ACCESS_KEY_ID: next.accessKeyId, AWS_SECRET_ACCESS_KEY: next.secretAccessKey });
    },
  );
});
