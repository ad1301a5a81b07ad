/**
 * Version stages, restore and destroy (DESIGN §6.1) through the API: every rule and error code,
 * roles, token scopes, isolation, expectedVersion, one audit event per change (the harness checks
 * that too at close), what the database itself refuses, and a race of random lifecycle mutations
 * from 8 clients after which every invariant holds. That restored and promoted credentials
 * decrypt to the values sent is proven through `cli run` (test/process/cli.test.ts), never here.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import type { CreateSecretInput, StageFieldsFragment } from '../gql/graphql.ts';
import { createTeamWithOwner, executeOk } from '../helpers/app.ts';
import {
  CancelSecretRotation,
  CreateApiToken,
  DeleteSecret,
  DestroySecretVersion,
  PromoteSecretVersion,
  RestoreSecret,
  RestoreSecretVersion,
  RotateSecretStaged,
  SecretStages,
  UpdateSecret,
} from '../helpers/documents.ts';
import { createS3Secret, fixtures, useTestApp } from '../helpers/fixtures.ts';
import { createVaultConnection, s3FieldMappings } from '../helpers/scenarios.ts';
import { registerPlaintext } from '../helpers/harness-checks.ts';
import { rawId, unknownId } from '../helpers/ids.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';
import { maskValue } from '../../src/modules/secret/credential-masking.ts';

const { t, team } = useTestApp({ members: true });

/** What every lifecycle mutation answers: its success (the secret) or a typed error. */
interface Outcome {
  __typename: string;
  code?: string;
  message?: string;
  fieldErrors?: { path: string[]; code: string }[];
  secret?: StageFieldsFragment;
}

type Stage = 'CURRENT' | 'PENDING' | 'PREVIOUS';

const mutations = {
  rotate: async (input: { id: string; stage?: Stage; expectedVersion?: number; credentials?: object }, token: string) =>
    (await executeOk(t.app, RotateSecretStaged, { input: { credentials: { accessKey: fixtures.accessKey() }, ...input } as never }, token))
      .rotateSecret as Outcome,
  promote: async (input: { id: string; version: number; expectedVersion?: number; force?: boolean }, token: string) =>
    (await executeOk(t.app, PromoteSecretVersion, { input }, token)).promoteSecretVersion as Outcome,
  cancel: async (input: { id: string; expectedVersion?: number }, token: string) =>
    (await executeOk(t.app, CancelSecretRotation, { input }, token)).cancelSecretRotation as Outcome,
  restore: async (input: { id: string; version: number; expectedVersion?: number }, token: string) =>
    (await executeOk(t.app, RestoreSecretVersion, { input }, token)).restoreSecretVersion as Outcome,
  destroy: async (input: { id: string; version: number; expectedVersion?: number }, token: string) =>
    (await executeOk(t.app, DestroySecretVersion, { input }, token)).destroySecretVersion as Outcome,
  /** Soft delete (a recovery window of the default 7 days) and its undoing. */
  delete: async (input: { id: string }, token: string) => (await executeOk(t.app, DeleteSecret, { input }, token)).deleteSecret as Outcome,
  undelete: async (input: { id: string }, token: string) =>
    (await executeOk(t.app, RestoreSecret, { input }, token)).restoreSecret as Outcome,
};

const owner = () => team.ownerToken;

function ok(outcome: Outcome): StageFieldsFragment {
  if (!outcome.secret) throw new Error(`expected a success, got ${JSON.stringify(outcome)}`);
  return outcome.secret;
}

async function read(id: string, token = team.ownerToken) {
  const node = (await executeOk(t.app, SecretStages, { id }, token)).node;
  if (node?.__typename !== 'Secret') throw new Error(`not a secret: ${JSON.stringify(node)}`);
  return { ...node, versions: node.versions.edges.map((edge) => edge.node) };
}

const versionOf = async (id: string, version: number) => (await read(id)).versions.find((v) => v.version === version)!;

/** The secret's row and audit trail as stored, to prove a refusal changed nothing. */
async function snapshot(id: string) {
  const row = await t.db
    .selectFrom('secrets')
    .select(['version', 'payload_version', 'pending_version', 'previous_version', 'credential_fields'])
    .where('id', '=', rawId(id))
    .executeTakeFirstOrThrow();
  const versions = await versionRows(id);
  const events = await auditActions(id);
  return { row, versions, events };
}

/** The secret's version rows as stored, oldest first. */
function versionRows(id: string) {
  return t.db.selectFrom('secret_versions').selectAll().where('secret_id', '=', rawId(id)).orderBy('version').execute();
}

const auditActions = (id: string) => auditEventsOf(t.db, id);

/** An S3 secret at version 1 with fresh credentials; returns its id. */
const newSecret = async (input: Partial<CreateSecretInput> = {}) => (await createS3Secret(t.app, team, input)).id;

/** An S3 secret rotated once (v2 CURRENT, v1 PREVIOUS), and v1's previews. */
async function rotatedOnce() {
  const id = await newSecret();
  const v1 = (await read(id)).credentialFields;
  ok(await mutations.rotate({ id }, owner()));
  return { id, v1 };
}

/** An S3 secret rotated once whose version 1 is destroyed. */
async function withDestroyed() {
  const { id } = await rotatedOnce();
  ok(await mutations.destroy({ id, version: 1 }, owner()));
  return id;
}

/** An S3 secret with v1 CURRENT and v2 PENDING. */
async function withPending() {
  const id = await newSecret();
  const staged = ok(await mutations.rotate({ id, stage: 'PENDING' }, owner()));
  return { id, staged };
}

describe('rotateSecret(stage)', () => {
  test('PENDING stages a new version: CURRENT, its previews and nextRotationAt untouched; the version carries its own previews', async () => {
    const id = await newSecret({ rotationPolicy: { everyDays: 30 } });
    const before = await read(id);
    const accessKey = fixtures.accessKey();
    const staged = ok(await mutations.rotate({ id, stage: 'PENDING', credentials: { accessKey } }, owner()));
    expect(staged).toMatchObject({ version: 2, currentVersion: 1, pendingVersion: 2, previousVersion: null, lastRotatedAt: null });
    expect(staged.credentialFields).toEqual(before.credentialFields);
    const after = await read(id);
    expect(after.nextRotationAt).toBe(before.nextRotationAt);
    expect(after.versions.map((v) => [v.version, v.reason, v.stages])).toEqual([
      [2, 'ROTATE', ['PENDING']],
      [1, 'CREATE', ['CURRENT']],
    ]);
    expect(after.versions[0]!.credentialFields).toEqual([
      { name: 'access_key_id', envVar: 'AWS_ACCESS_KEY_ID', maskedValue: maskValue(accessKey.accessKeyId) },
      { name: 'secret_access_key', envVar: 'AWS_SECRET_ACCESS_KEY', maskedValue: maskValue(accessKey.secretAccessKey) },
    ]);
    expect(after.versions[1]!.credentialFields).toEqual(before.credentialFields);
    expect((await auditActions(id)).at(-1)).toMatchObject({
      action: 'secret.rotated',
      changed_fields: ['pendingVersion'],
      target_version: 2,
    });
  });

  test('a second PENDING: ConflictError ROTATION_IN_PROGRESS, nothing changed', async () => {
    const { id } = await withPending();
    const before = await snapshot(id);
    expect(await mutations.rotate({ id, stage: 'PENDING' }, owner())).toMatchObject({
      __typename: 'ConflictError',
      code: 'ROTATION_IN_PROGRESS',
    });
    expect(await snapshot(id)).toEqual(before);
  });

  test('CURRENT (the default) makes the new version live and the old CURRENT PREVIOUS; a PENDING one stays', async () => {
    const { id } = await withPending();
    const rotated = ok(await mutations.rotate({ id }, owner()));
    expect(rotated).toMatchObject({ version: 3, currentVersion: 3, pendingVersion: 2, previousVersion: 1 });
    expect(rotated.lastRotatedAt).not.toBeNull();
    expect((await versionOf(id, 3)).credentialFields).toEqual(rotated.credentialFields);
    const again = ok(await mutations.rotate({ id, stage: 'CURRENT' }, owner()));
    expect(again).toMatchObject({ version: 4, currentVersion: 4, pendingVersion: 2, previousVersion: 3 });
  });

  test('stage PREVIOUS: VALIDATION_FAILED at input.stage, nothing changed', async () => {
    const id = await newSecret();
    const before = await snapshot(id);
    expect(await mutations.rotate({ id, stage: 'PREVIOUS' }, owner())).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION_FAILED',
      fieldErrors: [{ path: ['input', 'stage'], code: 'VALIDATION_FAILED' }],
    });
    expect(await snapshot(id)).toEqual(before);
  });

  test('updateSecret with new credentials is a new CURRENT version too (old CURRENT → PREVIOUS)', async () => {
    const id = await newSecret();
    const result = (await executeOk(t.app, UpdateSecret, { input: { id, credentials: { accessKey: fixtures.accessKey() } } }, owner()))
      .updateSecret;
    expect(result.__typename).toBe('UpdateSecretSuccess');
    expect(await read(id)).toMatchObject({ version: 2, currentVersion: 2, previousVersion: 1, pendingVersion: null });
  });
});

describe('promoteSecretVersion', () => {
  test('PENDING becomes CURRENT, the old CURRENT PREVIOUS, PENDING cleared; previews follow; lastRotatedAt set; one audit event', async () => {
    const { id, staged } = await withPending();
    const pendingPreviews = (await versionOf(id, 2)).credentialFields;
    const promoted = ok(await mutations.promote({ id, version: 2 }, owner()));
    expect(promoted).toMatchObject({ version: 3, currentVersion: 2, pendingVersion: null, previousVersion: 1 });
    expect(promoted.credentialFields).toEqual(pendingPreviews);
    expect(promoted.credentialFields).not.toEqual(staged.credentialFields);
    expect(promoted.lastRotatedAt).not.toBeNull();
    expect((await read(id)).versions.map((v) => [v.version, v.stages])).toEqual([
      [2, ['CURRENT']],
      [1, ['PREVIOUS']],
    ]);
    expect((await auditActions(id)).at(-1)).toMatchObject({
      action: 'secret.version_promoted',
      changed_fields: ['currentVersion', 'pendingVersion', 'previousVersion', 'credentials'],
      target_version: 3,
      outcome: 'SUCCESS',
    });
  });

  test('rolling back: promoting PREVIOUS swaps it with CURRENT; nextRotationAt reads the CURRENT version’s time', async () => {
    const id = await newSecret({ rotationPolicy: { everyDays: 10 } });
    ok(await mutations.rotate({ id }, owner()));
    // Version 1 stored 5 days ago: once it is CURRENT again, rotation is due 5 days from now.
    await sql`update secret_versions set created_at = now() - interval '5 days' where secret_id = ${rawId(id)} and version = 1`.execute(
      t.db,
    );
    const rolledBack = ok(await mutations.promote({ id, version: 1 }, owner()));
    expect(rolledBack).toMatchObject({ currentVersion: 1, previousVersion: 2, pendingVersion: null });
    const after = await read(id);
    const v1 = after.versions.find((v) => v.version === 1)!;
    expect(new Date(after.nextRotationAt as string).getTime()).toBe(new Date(v1.createdAt).getTime() + 10 * 86_400_000);
  });

  test('force is recorded in the audit event', async () => {
    const { id } = await withPending();
    ok(await mutations.promote({ id, version: 2, force: true }, team.members.ADMIN.token));
    expect((await auditActions(id)).at(-1)!.changed_fields).toContain('force');
  });

  test.each([
    ['the CURRENT version', 'ConflictError', 'VERSION_ALREADY_CURRENT', 1],
    ['an unknown version number', 'NotFoundError', 'NOT_FOUND', 99],
    ['version 0', 'NotFoundError', 'NOT_FOUND', 0],
  ])('%s: %s %s, nothing changed', async (_label, typename, code, version) => {
    const { id } = await withPending();
    const before = await snapshot(id);
    expect(await mutations.promote({ id, version }, owner())).toMatchObject({ __typename: typename, code });
    expect(await snapshot(id)).toEqual(before);
  });

  test('a destroyed version: VERSION_DESTROYED', async () => {
    const id = await withDestroyed();
    const before = await snapshot(id);
    expect(await mutations.promote({ id, version: 1 }, owner())).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_DESTROYED' });
    expect(await snapshot(id)).toEqual(before);
  });
});

describe('VERSION_NOT_RESTORABLE', () => {
  test('a version of another auth method cannot be promoted or restored', async () => {
    const id = await newSecret({
      secretType: 'AZURE_BLOB',
      authMethod: 'AZURE_ACCOUNT_KEY',
      credentials: { azureAccountKey: fixtures.azureAccountKey() },
    });
    const changed = (
      await executeOk(
        t.app,
        UpdateSecret,
        { input: { id, authMethod: 'AZURE_SAS_URL', credentials: { azureSasUrl: fixtures.azureSasUrl() } } },
        owner(),
      )
    ).updateSecret;
    expect(changed.__typename).toBe('UpdateSecretSuccess');
    const before = await snapshot(id);
    for (const outcome of [await mutations.promote({ id, version: 1 }, owner()), await mutations.restore({ id, version: 1 }, owner())])
      expect(outcome).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_NOT_RESTORABLE' });
    expect(await snapshot(id)).toEqual(before);
  });

  test('an EXTERNAL_VAULT secret has no stored version to bring back; rotate PENDING is CREDENTIALS_NOT_ALLOWED', async () => {
    const vault = await createVaultConnection(t.app, team);
    const id = (
      await createS3Secret(t.app, team, {
        credentials: null,
        vaultConnectionId: vault.id,
        fieldMappings: s3FieldMappings('ONEPASSWORD', 'a'),
      })
    ).id;
    expect(await read(id)).toMatchObject({ currentVersion: 1, pendingVersion: null, previousVersion: null });
    expect(
      (await executeOk(t.app, UpdateSecret, { input: { id, fieldMappings: s3FieldMappings('ONEPASSWORD', 'b') } }, owner())).updateSecret
        .__typename,
    ).toBe('UpdateSecretSuccess');
    const stages = await read(id);
    expect(stages).toMatchObject({ currentVersion: 2, previousVersion: 1 });
    expect(stages.versions[0]!.credentialFields!.map((field) => field.maskedValue)).toEqual([null, null]);
    expect(await mutations.restore({ id, version: 1 }, owner())).toMatchObject({ code: 'VERSION_NOT_RESTORABLE' });
    expect(await mutations.promote({ id, version: 1 }, owner())).toMatchObject({ code: 'VERSION_NOT_RESTORABLE' });
    expect(await mutations.rotate({ id, stage: 'PENDING' }, owner())).toMatchObject({ code: 'CREDENTIALS_NOT_ALLOWED' });
  });
});

describe('cancelSecretRotation', () => {
  test('clears PENDING; the version row stays, stage-less; one audit event', async () => {
    const { id } = await withPending();
    const cancelled = ok(await mutations.cancel({ id }, owner()));
    expect(cancelled).toMatchObject({ version: 3, currentVersion: 1, pendingVersion: null, previousVersion: null });
    expect((await read(id)).versions.map((v) => [v.version, v.stages])).toEqual([
      [2, []],
      [1, ['CURRENT']],
    ]);
    expect((await auditActions(id)).at(-1)).toMatchObject({
      action: 'secret.rotation_cancelled',
      changed_fields: ['pendingVersion'],
      target_version: 3,
    });
    // A new rotation may be staged again.
    expect(ok(await mutations.rotate({ id, stage: 'PENDING' }, owner()))).toMatchObject({ version: 4, pendingVersion: 4 });
  });

  test('without a PENDING version: ConflictError NO_ROTATION_IN_PROGRESS, nothing changed', async () => {
    const id = await newSecret();
    const before = await snapshot(id);
    expect(await mutations.cancel({ id }, owner())).toMatchObject({ __typename: 'ConflictError', code: 'NO_ROTATION_IN_PROGRESS' });
    expect(await snapshot(id)).toEqual(before);
  });
});

describe('restoreSecretVersion', () => {
  test('a new CURRENT version N+1, reason RESTORE, restoredFrom, the source’s previews, sealed under its own binding; old CURRENT → PREVIOUS', async () => {
    const { id, v1 } = await rotatedOnce();
    const restored = ok(await mutations.restore({ id, version: 1 }, owner()));
    expect(restored).toMatchObject({ version: 3, currentVersion: 3, previousVersion: 2, pendingVersion: null });
    expect(restored.credentialFields).toEqual(v1);
    const v3 = await versionOf(id, 3);
    expect(v3).toMatchObject({ reason: 'RESTORE', restoredFrom: 1, stages: ['CURRENT'], destroyedAt: null });
    expect(v3.credentialFields).toEqual(v1);
    // Sealed anew: a fresh data key and ciphertext, not a copy of version 1's bytes.
    const rows = await versionRows(id);
    expect(Buffer.from(rows[2]!.ciphertext!).equals(Buffer.from(rows[0]!.ciphertext!))).toBe(false);
    expect(Buffer.from(rows[2]!.wrapped_data_key!).equals(Buffer.from(rows[0]!.wrapped_data_key!))).toBe(false);
    expect((await auditActions(id)).at(-1)).toMatchObject({ action: 'secret.version_restored', target_version: 3 });
    expect((await auditActions(id)).at(-1)!.changed_fields).toEqual(['credentials', 'currentVersion', 'previousVersion']);
  });

  test('a destroyed version: VERSION_DESTROYED; an unknown one: NOT_FOUND; nothing changed', async () => {
    const id = await withDestroyed();
    const before = await snapshot(id);
    expect(await mutations.restore({ id, version: 1 }, owner())).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_DESTROYED' });
    expect(await mutations.restore({ id, version: 7 }, owner())).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await snapshot(id)).toEqual(before);
  });
});

describe('destroySecretVersion', () => {
  test('erases the payload for good; metadata and previews stay; destroyedAt set; one audit event', async () => {
    const { id, v1 } = await rotatedOnce();
    const destroyed = ok(await mutations.destroy({ id, version: 1 }, owner()));
    expect(destroyed).toMatchObject({ version: 3, currentVersion: 2, previousVersion: 1 });
    const version = await versionOf(id, 1);
    expect(version.destroyedAt).not.toBeNull();
    expect(version.credentialFields).toEqual(v1);
    const row = await t.db
      .selectFrom('secret_versions')
      .select(['ciphertext', 'iv', 'auth_tag', 'wrapped_data_key', 'master_key_id'])
      .where('secret_id', '=', rawId(id))
      .where('version', '=', 1)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ ciphertext: null, iv: null, auth_tag: null, wrapped_data_key: null, master_key_id: null });
    expect((await auditActions(id)).at(-1)).toMatchObject({ action: 'secret.version_destroyed', target_version: 3 });
    // Once only.
    const before = await snapshot(id);
    expect(await mutations.destroy({ id, version: 1 }, owner())).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_DESTROYED' });
    expect(await snapshot(id)).toEqual(before);
  });

  test.each([
    ['CURRENT', 1],
    ['PENDING', 2],
  ])('the %s version: ConflictError VERSION_IN_USE, nothing changed', async (_stage, version) => {
    const { id } = await withPending();
    const before = await snapshot(id);
    expect(await mutations.destroy({ id, version }, owner())).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_IN_USE' });
    expect(await snapshot(id)).toEqual(before);
  });

  test('an unknown version number: NOT_FOUND', async () => {
    const id = await newSecret();
    expect(await mutations.destroy({ id, version: 5 }, owner())).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });
});

/** Each lifecycle mutation, on a secret with v1 CURRENT and v2 PENDING and v3 (a cancelled PENDING would do) set up by `withHistory`. */
const EACH: [string, (id: string, extra: { expectedVersion?: number; force?: boolean }, token: string) => Promise<Outcome>][] = [
  ['rotateSecret(PENDING)', (id, extra, token) => mutations.rotate({ id, stage: 'PENDING', ...extra }, token)],
  ['rotateSecret(CURRENT)', (id, extra, token) => mutations.rotate({ id, ...extra }, token)],
  ['promoteSecretVersion', (id, extra, token) => mutations.promote({ id, version: 2, ...extra }, token)],
  ['cancelSecretRotation', (id, extra, token) => mutations.cancel({ id, ...extra }, token)],
  ['restoreSecretVersion', (id, extra, token) => mutations.restore({ id, version: 1, ...extra }, token)],
  ['destroySecretVersion', (id, extra, token) => mutations.destroy({ id, version: 1, ...extra }, token)],
];

/** A secret where every mutation of EACH can succeed: v1 (PREVIOUS), v2 (PENDING after a cancel and a new stage), CURRENT v3. */
async function withHistory(input: Partial<CreateSecretInput> = {}, token = team.ownerToken) {
  const id = (await createS3Secret(t.app, team, input, token)).id;
  const accessKey = () =>
    input.secretType === 'ENV' ? { envVars: [{ key: 'TOKEN', value: registered() }] } : { accessKey: fixtures.accessKey() };
  ok(await mutations.rotate({ id, stage: 'PENDING', credentials: accessKey() }, token)); // v2 PENDING
  ok(await mutations.rotate({ id, credentials: accessKey() }, token)); // v3 CURRENT, v1 PREVIOUS, v2 PENDING
  return id;
}

/** A random value the leak sweep looks for. */
function registered(): string {
  const value = `tok-${randomBytes(16).toString('hex')}`;
  registerPlaintext(value);
  return value;
}

describe('expectedVersion, roles, scopes, isolation (each lifecycle mutation)', () => {
  test.each(EACH)('%s: a stale expectedVersion is VERSION_MISMATCH and changes nothing; the right one succeeds', async (_name, run) => {
    const id = await withHistory();
    if (_name === 'rotateSecret(PENDING)') ok(await mutations.cancel({ id }, owner()));
    const before = await snapshot(id);
    expect(await run(id, { expectedVersion: before.row.version - 1 }, owner())).toMatchObject({
      __typename: 'ConflictError',
      code: 'VERSION_MISMATCH',
    });
    expect(await snapshot(id)).toEqual(before);
    expect(ok(await run(id, { expectedVersion: before.row.version }, owner())).version).toBe(before.row.version + 1);
  });

  test.each(EACH)('%s: a VIEWER, and an OPERATOR on a TEAM secret, are ForbiddenError; an ADMIN succeeds', async (_name, run) => {
    const id = await withHistory();
    if (_name === 'rotateSecret(PENDING)') ok(await mutations.cancel({ id }, owner()));
    const before = await snapshot(id);
    for (const role of ['VIEWER', 'OPERATOR'] as const)
      expect(await run(id, {}, team.members[role].token), role).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    // Nothing changed; the refusals are recorded as DENIED only.
    const after = await snapshot(id);
    expect(after.row).toEqual(before.row);
    expect(after.versions).toEqual(before.versions);
    expect(after.events.slice(before.events.length).filter((event) => event.outcome !== 'DENIED')).toEqual([]);
    ok(await run(id, {}, team.members.ADMIN.token));
  });

  test.each(EACH)('%s: an OPERATOR on their own PRIVATE ENV secret succeeds', async (_name, run) => {
    const operator = team.members.OPERATOR.token;
    const input = { secretType: 'ENV' as const, shared: false, credentials: { envVars: [{ key: 'TOKEN', value: registered() }] } };
    const id = await withHistory(input, operator);
    if (_name === 'rotateSecret(PENDING)') ok(await mutations.cancel({ id }, operator));
    const credentials = { envVars: [{ key: 'TOKEN', value: registered() }] };
    const outcome = _name.startsWith('rotateSecret')
      ? await mutations.rotate({ id, credentials, ...(_name.includes('PENDING') && { stage: 'PENDING' as const }) }, operator)
      : await run(id, {}, operator);
    ok(outcome);
    // Not another member's: the ADMIN may not change the OPERATOR's PRIVATE secret.
    expect(await mutations.cancel({ id }, team.members.ADMIN.token)).toMatchObject({ __typename: 'ForbiddenError' });
  });

  test('force on promote needs ADMIN or OWNER: an OPERATOR’s own PRIVATE ENV secret is ForbiddenError with force, fine without', async () => {
    const operator = team.members.OPERATOR.token;
    const input = { secretType: 'ENV' as const, shared: false, credentials: { envVars: [{ key: 'TOKEN', value: registered() }] } };
    const id = await withHistory(input, operator);
    const before = await snapshot(id);
    expect(await mutations.promote({ id, version: 2, force: true }, operator)).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await snapshot(id)).row).toEqual(before.row);
    ok(await mutations.promote({ id, version: 2 }, operator));
  });

  test.each(EACH)('%s: a secrets:read token is ForbiddenError; a secrets:write token succeeds', async (_name, run) => {
    const id = await withHistory();
    if (_name === 'rotateSecret(PENDING)') ok(await mutations.cancel({ id }, owner()));
    const token = async (scopes: ('SECRETS_READ' | 'SECRETS_WRITE')[]) => {
      const created = (await executeOk(t.app, CreateApiToken, { input: { name: 'scoped', scopes } }, owner())).createApiToken;
      if (created.__typename !== 'CreateApiTokenSuccess') throw new Error(JSON.stringify(created));
      return created.token;
    };
    const before = await snapshot(id);
    expect(await run(id, {}, await token(['SECRETS_READ']))).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await snapshot(id)).row).toEqual(before.row);
    ok(await run(id, {}, await token(['SECRETS_WRITE'])));
  });

  test.each(EACH)('%s: another team’s secret answers exactly like an unknown id', async (_name, run) => {
    const id = await withHistory();
    const other = await createTeamWithOwner(t.db);
    const before = await snapshot(id);
    const foreign = await run(id, {}, other.ownerToken);
    const unknown = await run(unknownId('Secret'), {}, other.ownerToken);
    expect(foreign).toEqual(unknown);
    expect(foreign).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await snapshot(id)).toEqual(before);
  });
});

describe('the database holds the stages too (migration 0013)', () => {
  test.each([
    ['PENDING on the CURRENT version', sql`pending_version = payload_version`],
    ['PREVIOUS on the CURRENT version', sql`previous_version = payload_version`],
    ['PENDING and PREVIOUS on one version', sql`pending_version = previous_version`],
  ])('%s is refused by secrets_stages_distinct', async (_label, assignment) => {
    const id = await withHistory();
    await expect(sql`update secrets set ${assignment} where id = ${rawId(id)}`.execute(t.db)).rejects.toMatchObject({
      constraint: 'secrets_stages_distinct',
    });
  });

  test('a stage on a version the secret does not have is refused at commit (foreign key)', async () => {
    const id = await newSecret();
    await expect(
      t.db.transaction().execute(async (trx) => {
        await sql`update secrets set pending_version = 42 where id = ${rawId(id)}`.execute(trx);
      }),
    ).rejects.toMatchObject({ constraint: 'secrets_pending_version_fkey' });
    expect((await read(id)).pendingVersion).toBeNull();
  });

  test('a destroyed version cannot hold a payload (secret_versions_destroyed_check)', async () => {
    const id = await withHistory();
    await expect(
      sql`update secret_versions set destroyed_at = now() where secret_id = ${rawId(id)} and version = 1`.execute(t.db),
    ).rejects.toMatchObject({ constraint: 'secret_versions_destroyed_check' });
  });
});

/** One operation of the random mix. */
interface RandomOperation {
  /** The audit action its success writes. */
  action: string;
  /** Whether its success stores a new version row. */
  storesVersion: boolean;
  /** The codes its typed refusals may carry besides COMMON_REFUSALS. */
  refusals: string[];
  /** Runs it, picking a version number from 1 to one past the highest seen (`top`). */
  run: (id: string, top: number, token: string) => Promise<Outcome>;
}

/** What any operation of the mix may answer: a version number the secret lacks; a secret scheduled for deletion. */
const COMMON_REFUSALS = ['NOT_FOUND', 'SECRET_DELETED'];

/** The random mix, one entry per operation. */
const RANDOM_OPERATIONS: Record<string, RandomOperation> = {
  rotatePending: {
    action: 'secret.rotated',
    storesVersion: true,
    refusals: ['ROTATION_IN_PROGRESS'],
    run: (id, _top, token) => mutations.rotate({ id, stage: 'PENDING' }, token),
  },
  rotateCurrent: { action: 'secret.rotated', storesVersion: true, refusals: [], run: (id, _top, token) => mutations.rotate({ id }, token) },
  promote: {
    action: 'secret.version_promoted',
    storesVersion: false,
    refusals: ['VERSION_ALREADY_CURRENT', 'VERSION_DESTROYED'],
    run: (id, top, token) => mutations.promote({ id, version: pick(top) }, token),
  },
  cancel: {
    action: 'secret.rotation_cancelled',
    storesVersion: false,
    refusals: ['NO_ROTATION_IN_PROGRESS'],
    run: (id, _top, token) => mutations.cancel({ id }, token),
  },
  restore: {
    action: 'secret.version_restored',
    storesVersion: true,
    refusals: ['VERSION_DESTROYED'],
    run: (id, top, token) => mutations.restore({ id, version: pick(top) }, token),
  },
  destroy: {
    action: 'secret.version_destroyed',
    storesVersion: false,
    refusals: ['VERSION_IN_USE', 'VERSION_DESTROYED'],
    run: (id, top, token) => mutations.destroy({ id, version: pick(top) }, token),
  },
  delete: { action: 'secret.deleted', storesVersion: false, refusals: [], run: (id, _top, token) => mutations.delete({ id }, token) },
  undelete: {
    action: 'secret.restored',
    storesVersion: false,
    refusals: ['SECRET_NOT_DELETED'],
    run: (id, _top, token) => mutations.undelete({ id }, token),
  },
};

const pick = (top: number) => 1 + Math.floor(Math.random() * (top + 1)); // top + 1: sometimes a version that does not exist yet

describe('racing lifecycle mutations', () => {
  const CLIENTS = 8;
  const PER_CLIENT = 30;

  test(
    `${CLIENTS} clients × ${PER_CLIENT} random mutations (stages, restore, destroy, soft delete and its undoing) on 2 secrets, then every invariant holds`,
    async () => {
      const ids = [await newSecret(), await newSecret()];
      const tokens = [team.ownerToken, team.members.ADMIN.token];
      const succeeded: Record<string, number> = {};
      const top = new Map(ids.map((id) => [id, 1]));
      const names = Object.keys(RANDOM_OPERATIONS);
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_client, client) => {
          for (let i = 0; i < PER_CLIENT; i++) {
            const id = ids[Math.floor(Math.random() * ids.length)]!;
            const name = names[Math.floor(Math.random() * names.length)]!;
            const operation = RANDOM_OPERATIONS[name]!;
            const outcome = await operation.run(id, top.get(id)!, tokens[client % tokens.length]!);
            if (outcome.__typename.endsWith('Success')) {
              const key = `${id}:${name}`;
              succeeded[key] = (succeeded[key] ?? 0) + 1;
              if (outcome.secret) top.set(id, Math.max(top.get(id)!, outcome.secret.version));
              // Anything else (a 500, a VERSION_MISMATCH without expectedVersion) fails the race.
            } else expect([...operation.refusals, ...COMMON_REFUSALS], `${name}: ${JSON.stringify(outcome)}`).toContain(outcome.code);
          }
        }),
      );
      expect(Object.values(succeeded).reduce((a, b) => a + b, 0)).toBeGreaterThan(CLIENTS * PER_CLIENT * 0.15); // about a third succeed; the rest are typed refusals

      for (const id of ids) {
        const count = (name: string) => succeeded[`${id}:${name}`] ?? 0;
        const total = names.reduce((sum, name) => sum + count(name), 0);
        const secret = await read(id);
        // Every success bumped `version` once and wrote one audit event of its action.
        expect(secret.version).toBe(1 + total);
        const events = (await auditActions(id)).filter((event) => event.outcome === 'SUCCESS' && event.action !== 'secret.created');
        expect(events).toHaveLength(total);
        for (const action of new Set(names.map((name) => RANDOM_OPERATIONS[name]!.action)))
          expect(events.filter((event) => event.action === action).length, action).toBe(
            names.filter((name) => RANDOM_OPERATIONS[name]!.action === action).reduce((sum, name) => sum + count(name), 0),
          );
        expect(events.map((event) => event.target_version)).toEqual(Array.from({ length: total }, (_v, index) => index + 2));
        // One version row per create, rotation and restore, numbered by the secret's version at the time.
        expect(secret.versions).toHaveLength(
          1 + names.filter((name) => RANDOM_OPERATIONS[name]!.storesVersion).reduce((sum, name) => sum + count(name), 0),
        );
        // CURRENT on exactly one version, PENDING and PREVIOUS on at most one each, agreeing with the secret.
        const holding = (stage: Stage) => secret.versions.filter((v) => v.stages.includes(stage)).map((v) => v.version);
        expect(holding('CURRENT')).toEqual([secret.currentVersion]);
        expect(holding('PENDING')).toEqual(secret.pendingVersion === null ? [] : [secret.pendingVersion]);
        expect(holding('PREVIOUS')).toEqual(secret.previousVersion === null ? [] : [secret.previousVersion]);
        // Neither CURRENT nor PENDING was ever destroyed.
        for (const stage of ['CURRENT', 'PENDING'] as const)
          for (const version of holding(stage)) expect(secret.versions.find((v) => v.version === version)!.destroyedAt).toBeNull();
        // The secret shows CURRENT's previews.
        expect(secret.credentialFields).toEqual(secret.versions.find((v) => v.version === secret.currentVersion)!.credentialFields);
      }
    },
    testDatabaseUrl ? 120_000 : 240_000,
  );
});
