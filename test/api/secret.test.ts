import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { addMember, createTeamWithOwner, execute, executeOk } from '../helpers/app.ts';
import { createS3Location, createS3Secret, fixtures, useTestApp, uniqueName } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';
import type { CreateSecretInput, RotateSecretInput, UpdateSecretInput } from '../gql/graphql.ts';
import { CreateSecret, DeleteSecret, RotateSecret, UpdateSecret } from '../helpers/documents.ts';
import { createVaultConnection, s3FieldMappings, s3SecretInput } from '../helpers/scenarios.ts';

const SecretVersions = graphql(`
  query SecretVersions($id: ID!) {
    node(id: $id) {
      ... on Secret {
        version
        versions(first: 10) {
          edges {
            node {
              version
              reason
            }
          }
        }
      }
    }
  }
`);

const { t, team } = useTestApp();

async function create(input: Partial<CreateSecretInput>, token = team.ownerToken) {
  return (await executeOk(t.app, CreateSecret, { input: s3SecretInput(team, input) }, token)).createSecret;
}

const createOk = (input: Partial<CreateSecretInput> = {}) => createS3Secret(t.app, team, input);

async function update(input: UpdateSecretInput, token = team.ownerToken) {
  return (await executeOk(t.app, UpdateSecret, { input }, token)).updateSecret;
}

async function rotate(input: RotateSecretInput) {
  return (await executeOk(t.app, RotateSecret, { input }, team.ownerToken)).rotateSecret;
}

const vaultConnection = async () => (await createVaultConnection(t.app, team)).id;

const S3_MAPPINGS = s3FieldMappings('ONEPASSWORD', 'aws-prod');

describe('createSecret', () => {
  test.each([
    ['S3', { accessKey: fixtures.accessKey() }, 'S3_ACCESS_KEY', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']],
    ['R2', { accessKey: fixtures.accessKey() }, 'R2_ACCESS_KEY', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']],
    ['GCS', { gcsServiceAccount: fixtures.gcsServiceAccount() }, 'GCS_SERVICE_ACCOUNT', ['GOOGLE_APPLICATION_CREDENTIALS_JSON']],
    ['B2', { b2ApplicationKey: fixtures.b2ApplicationKey() }, 'B2_APPLICATION_KEY', ['B2_APPLICATION_KEY_ID', 'B2_APPLICATION_KEY']],
  ] as const)(
    '%s: the auth method defaults to the only one; previews are masked',
    async (secretType, credentials, authMethod, envVarKeys) => {
      const secret = await createOk({ secretType, credentials });
      expect(secret).toMatchObject({
        secretType,
        authMethod,
        storage: 'NATIVE',
        version: 1,
        locationCount: 0,
        envVarKeys,
        createdBy: { email: team.ownerEmail },
      });
      for (const field of secret.credentialFields ?? []) expect(field.maskedValue).toMatch(/^(.{1,4}••••.{0,3}|••••)$/u);
    },
  );

  test('masks values of 16 characters or more to at most a quarter of them, shorter ones as ••••', async () => {
    const secret = await createOk({
      secretType: 'S3_COMPATIBLE',
      authMethod: 'S3_COMPATIBLE_ACCESS_KEY',
      credentials: { accessKey: { accessKeyId: 'minioadmin', secretAccessKey: 'AKIAEXAMPLESECRETXYZ' } },
    });
    expect(secret.credentialFields).toEqual([
      { name: 'access_key_id', envVar: 'AWS_ACCESS_KEY_ID', maskedValue: '••••' },
      { name: 'secret_access_key', envVar: 'AWS_SECRET_ACCESS_KEY', maskedValue: 'AKI••••YZ' },
    ]);
  });

  test('Azure needs an explicit auth method (AUTH_METHOD_INVALID_FOR_TYPE)', async () => {
    expect(await create({ secretType: 'AZURE_BLOB', credentials: { azureSasUrl: fixtures.azureSasUrl() } })).toMatchObject({
      code: 'AUTH_METHOD_INVALID_FOR_TYPE',
    });
    const ok = await createOk({
      secretType: 'AZURE_BLOB',
      authMethod: 'AZURE_SAS_URL',
      credentials: { azureSasUrl: fixtures.azureSasUrl() },
    });
    expect(ok.envVarKeys).toEqual(['AZURE_STORAGE_SAS_URL']);
  });

  test('AUTH_METHOD_INVALID_FOR_TYPE: an auth method of another type', async () => {
    const result = await create({ secretType: 'S3', authMethod: 'R2_ACCESS_KEY' });
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      code: 'AUTH_METHOD_INVALID_FOR_TYPE',
      fieldErrors: [{ path: ['input', 'authMethod'] }],
    });
  });

  test('INVALID_CREDENTIALS: bad credentials give a fieldError per bad field, with full paths', async () => {
    const result = await create({ credentials: { accessKey: { accessKeyId: 'x', secretAccessKey: ' padded ' } } });
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_CREDENTIALS' });
    if (result.__typename !== 'ValidationError') throw new Error();
    expect(result.fieldErrors.map((e) => e.path)).toEqual([
      ['input', 'credentials', 'accessKey', 'accessKeyId'],
      ['input', 'credentials', 'accessKey', 'secretAccessKey'],
    ]);
    const wrongMember = await create({ credentials: { b2ApplicationKey: fixtures.b2ApplicationKey() } });
    expect(wrongMember).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      fieldErrors: [{ path: ['input', 'credentials', 'b2ApplicationKey'], code: 'CREDENTIALS_MISMATCH_AUTH_METHOD' }],
    });
  });

  test('NATIVE without credentials is CREDENTIALS_REQUIRED', async () => {
    expect(await create({ credentials: null })).toMatchObject({ code: 'CREDENTIALS_REQUIRED' });
  });

  test('CREDENTIALS_NOT_ALLOWED: EXTERNAL_VAULT secrets cannot take credentials', async () => {
    const vaultConnectionId = await vaultConnection();
    expect(await create({ vaultConnectionId, credentials: { accessKey: fixtures.accessKey() }, fieldMappings: null })).toMatchObject({
      code: 'CREDENTIALS_NOT_ALLOWED',
    });
  });

  test('FIELD_MAPPINGS_NOT_ALLOWED: NATIVE secrets cannot take fieldMappings', async () => {
    expect(await create({ credentials: null, fieldMappings: S3_MAPPINGS })).toMatchObject({ code: 'FIELD_MAPPINGS_NOT_ALLOWED' });
  });

  test('CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE: credentials and fieldMappings together are exclusive', async () => {
    const vaultConnectionId = await vaultConnection();
    expect(await create({ vaultConnectionId, fieldMappings: S3_MAPPINGS })).toMatchObject({
      code: 'CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE',
    });
  });

  test('EXTERNAL_VAULT: mappings must cover every field once with valid references (INVALID_FIELD_MAPPINGS)', async () => {
    const vaultConnectionId = await vaultConnection();
    const ok = await createOk({ vaultConnectionId, credentials: null, fieldMappings: S3_MAPPINGS });
    expect(ok).toMatchObject({ storage: 'EXTERNAL_VAULT', vaultConnection: { id: vaultConnectionId }, fieldMappings: S3_MAPPINGS });
    expect(ok.credentialFields).toEqual([
      { name: 'access_key_id', envVar: 'AWS_ACCESS_KEY_ID', maskedValue: null },
      { name: 'secret_access_key', envVar: 'AWS_SECRET_ACCESS_KEY', maskedValue: null },
    ]);
    const missing = await create({ vaultConnectionId, credentials: null, fieldMappings: S3_MAPPINGS.slice(0, 1) });
    expect(missing).toMatchObject({ code: 'INVALID_FIELD_MAPPINGS', fieldErrors: [{ code: 'FIELD_NOT_MAPPED' }] });
    const badRef = await create({
      vaultConnectionId,
      credentials: null,
      fieldMappings: [S3_MAPPINGS[0]!, { fieldName: 'secret_access_key', reference: 'NOT_1PASSWORD' }],
    });
    expect(badRef).toMatchObject({
      code: 'INVALID_FIELD_MAPPINGS',
      fieldErrors: [{ path: ['input', 'fieldMappings', '1', 'reference'], code: 'INVALID_REFERENCE' }],
    });
    const unknownField = await create({
      vaultConnectionId,
      credentials: null,
      fieldMappings: [...S3_MAPPINGS, { fieldName: 'nope', reference: 'op://a/b/c' }],
    });
    expect(unknownField).toMatchObject({ code: 'INVALID_FIELD_MAPPINGS', fieldErrors: [{ code: 'UNKNOWN_FIELD' }] });
    const noMappings = await create({ vaultConnectionId, credentials: null, fieldMappings: null });
    expect(noMappings).toMatchObject({ code: 'FIELD_MAPPINGS_REQUIRED' });
  });

  test('NAME_TAKEN: names are unique per team case-insensitively; limits on name and description', async () => {
    const name = uniqueName('Prod-Bucket');
    await createOk({ name });
    expect(await create({ name: name.toUpperCase() })).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN' });
    expect(await create({ name: '' })).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: ['input', 'name'] }] });
    expect(await create({ name: 'x'.repeat(256) })).toMatchObject({ __typename: 'ValidationError' });
    expect(await create({ description: 'x'.repeat(2001) })).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['input', 'description'] }],
    });
    const other = await createTeamWithOwner(t.db);
    const sameNameElsewhere = await executeOk(
      t.app,
      CreateSecret,
      { input: { teamId: other.teamId, name, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } } },
      other.ownerToken,
    );
    expect(sameNameElsewhere.createSecret.__typename).toBe('CreateSecretSuccess');
  });

  test('VIEWER and OPERATOR cannot create; another team is NotFound', async () => {
    for (const role of ['VIEWER', 'OPERATOR'] as const) {
      const member = await addMember(t.db, team, role);
      expect(await create({}, member.token)).toMatchObject({ __typename: 'ForbiddenError' });
    }
    const outsider = await createTeamWithOwner(t.db);
    expect(await create({}, outsider.ownerToken)).toMatchObject({ __typename: 'NotFoundError' });
  });

  test('a two-member @oneOf credentials input is refused before anything runs', async () => {
    const twoMembers = {
      accessKey: fixtures.accessKey(),
      b2ApplicationKey: fixtures.b2ApplicationKey(),
    } as unknown as CreateSecretInput['credentials'];
    const res = await execute(
      t.app,
      CreateSecret,
      { input: { teamId: team.teamId, name: uniqueName('x'), secretType: 'S3', credentials: twoMembers } },
      team.ownerToken,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.message).toMatch(/exactly one key/i);
  });
});

describe('updateSecret', () => {
  test('VERSION_MISMATCH: every change bumps the version; expectedVersion is compare-and-set', async () => {
    const secret = await createOk();
    const renamed = await update({ id: secret.id, description: 'prod data lake', expectedVersion: 1 });
    expect(renamed).toMatchObject({ secret: { version: 2, description: 'prod data lake' } });
    expect(await update({ id: secret.id, description: 'stale', expectedVersion: 1 })).toMatchObject({
      __typename: 'ConflictError',
      code: 'VERSION_MISMATCH',
    });
  });

  test('an update that changes nothing answers the secret as it is: no new version, no version row, no audit event', async () => {
    const credentials = { accessKey: fixtures.accessKey() };
    const secret = await createOk({ credentials, description: 'same' });
    // Values no other row holds: the leak sweep looks for every value sent, in every table.
    const region = uniqueName('region');
    const envValues = [
      { key: 'API_TOKEN', value: 'token-value-0123456789' },
      { key: 'REGION', value: region },
    ];
    const env = await createOk({ secretType: 'ENV', credentials: { envVars: envValues }, workspaceAccess: 'ALL' });
    const auditRows = async (id: string) =>
      (await sql<{ n: number }>`select count(*)::int as n from audit_events where target_id = ${rawId(id)}`.execute(t.db)).rows[0]!.n;
    const before = {
      secret: await executeOk(t.app, SecretVersions, { id: secret.id }, team.ownerToken),
      audit: await auditRows(secret.id),
      envAudit: await auditRows(env.id),
    };

    const noOps = [
      { id: secret.id },
      {
        id: secret.id,
        name: secret.name,
        description: 'same',
        secretType: 'S3' as const,
        authMethod: 'S3_ACCESS_KEY' as const,
        credentials,
        shared: true,
        workspaceAccess: 'ALL' as const,
        expectedVersion: 1,
      },
      { id: env.id, values: envValues },
      { id: env.id, credentials: { envVars: envValues }, serviceSlug: null },
      { id: env.id, removeKeys: ['REGION'], addValues: [{ key: 'REGION', value: region }] },
    ];
    for (const input of noOps) {
      const result = await update(input);
      expect(result, JSON.stringify(Object.keys(input))).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { version: 1 } });
    }
    expect(await executeOk(t.app, SecretVersions, { id: secret.id }, team.ownerToken)).toEqual(before.secret);
    expect(await auditRows(secret.id)).toBe(before.audit);
    expect(await auditRows(env.id)).toBe(before.envAudit);

    // Anything that differs is still a change.
    expect(await update({ id: secret.id, description: 'other', credentials })).toMatchObject({ secret: { version: 2 } });
    expect(await update({ id: env.id, values: [envValues[0]!, { key: 'REGION', value: `${region}-2` }] })).toMatchObject({
      secret: { version: 2 },
    });
    expect(await auditRows(env.id)).toBe(before.envAudit + 1);
  });

  test('LOCATION_TYPE_MISMATCH: changing the type needs every linked location to have that type', async () => {
    const secret = await createOk();
    await createS3Location(t.app, team, secret.id);
    const result = await update({
      id: secret.id,
      secretType: 'R2',
      authMethod: 'R2_ACCESS_KEY',
      credentials: { accessKey: fixtures.accessKey() },
    });
    expect(result).toMatchObject({ code: 'LOCATION_TYPE_MISMATCH', fieldErrors: [{ path: ['input', 'secretType'] }] });
    const unlinked = await createOk();
    const changed = await update({
      id: unlinked.id,
      secretType: 'R2',
      authMethod: 'R2_ACCESS_KEY',
      credentials: { accessKey: fixtures.accessKey() },
    });
    expect(changed).toMatchObject({ secret: { secretType: 'R2', authMethod: 'R2_ACCESS_KEY', version: 2 } });
  });

  test('AUTH_METHOD_INVALID_FOR_TYPE: changing the type so that the method becomes invalid, without a valid one', async () => {
    const secret = await createOk();
    expect(await update({ id: secret.id, secretType: 'R2' })).toMatchObject({ code: 'AUTH_METHOD_INVALID_FOR_TYPE' });
    expect(await update({ id: secret.id, authMethod: 'GCS_SERVICE_ACCOUNT' })).toMatchObject({ code: 'AUTH_METHOD_INVALID_FOR_TYPE' });
  });

  test('CREDENTIALS_REQUIRED: a new auth method needs new credentials, validated against it', async () => {
    const secret = await createOk({
      secretType: 'AZURE_BLOB',
      authMethod: 'AZURE_ACCOUNT_KEY',
      credentials: { azureAccountKey: fixtures.azureAccountKey() },
    });
    expect(await update({ id: secret.id, authMethod: 'AZURE_SAS_URL' })).toMatchObject({ code: 'CREDENTIALS_REQUIRED' });
    expect(
      await update({
        id: secret.id,
        authMethod: 'AZURE_SAS_URL',
        credentials: { azureSasUrl: { sasUrl: 'http://x.blob.core.windows.net/?sig=a' } },
      }),
    ).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      fieldErrors: [{ path: ['input', 'credentials', 'azureSasUrl', 'sasUrl'], code: 'NOT_HTTPS' }],
    });
    const ok = await update({ id: secret.id, authMethod: 'AZURE_SAS_URL', credentials: { azureSasUrl: fixtures.azureSasUrl() } });
    expect(ok).toMatchObject({ secret: { authMethod: 'AZURE_SAS_URL', envVarKeys: ['AZURE_STORAGE_SAS_URL'], version: 2 } });
  });

  test('CREDENTIALS_NOT_ALLOWED, FIELD_MAPPINGS_NOT_ALLOWED, CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE on update, and an EXTERNAL_VAULT method change needs new fieldMappings', async () => {
    const vaultConnectionId = await vaultConnection();
    const external = await createOk({
      secretType: 'AZURE_BLOB',
      authMethod: 'AZURE_SAS_URL',
      vaultConnectionId,
      credentials: null,
      fieldMappings: [{ fieldName: 'sas_url', reference: 'op://Infra/azure/sas' }],
    });
    expect(await update({ id: external.id, credentials: { azureSasUrl: fixtures.azureSasUrl() } })).toMatchObject({
      code: 'CREDENTIALS_NOT_ALLOWED',
    });
    expect(await update({ id: external.id, authMethod: 'AZURE_ACCOUNT_KEY' })).toMatchObject({ code: 'FIELD_MAPPINGS_REQUIRED' });
    const remapped = await update({
      id: external.id,
      authMethod: 'AZURE_ACCOUNT_KEY',
      fieldMappings: [
        { fieldName: 'account_name', reference: 'op://Infra/azure/name' },
        { fieldName: 'account_key', reference: 'op://Infra/azure/key' },
      ],
    });
    expect(remapped).toMatchObject({ secret: { authMethod: 'AZURE_ACCOUNT_KEY', version: 2 } });
    const native = await createOk();
    expect(await update({ id: native.id, fieldMappings: S3_MAPPINGS })).toMatchObject({ code: 'FIELD_MAPPINGS_NOT_ALLOWED' });
    expect(await update({ id: native.id, credentials: { accessKey: fixtures.accessKey() }, fieldMappings: S3_MAPPINGS })).toMatchObject({
      code: 'CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE',
    });
  });

  test('a failed update changes nothing', async () => {
    const secret = await createOk({ description: 'before' });
    await update({ id: secret.id, description: 'after', authMethod: 'GCS_SERVICE_ACCOUNT' });
    const versions = await executeOk(t.app, SecretVersions, { id: secret.id }, team.ownerToken);
    expect(versions.node).toMatchObject({ version: 1 });
  });
});

describe('rotateSecret and versions', () => {
  test('rotation writes a new version row and sets lastRotatedAt; versions list newest first', async () => {
    const secret = await createOk();
    await update({ id: secret.id, description: 'metadata only: no version row' });
    const rotated = await rotate({ id: secret.id, credentials: { accessKey: fixtures.accessKey() } });
    expect(rotated).toMatchObject({ __typename: 'RotateSecretSuccess', secret: { version: 3, lastRotatedAt: expect.any(String) } });
    const versions = await executeOk(t.app, SecretVersions, { id: secret.id }, team.ownerToken);
    expect(versions.node).toEqual({
      version: 3,
      versions: { edges: [{ node: { version: 3, reason: 'ROTATE' } }, { node: { version: 1, reason: 'CREATE' } }] },
    });
  });

  test('rotation validates against the current method and refuses EXTERNAL_VAULT secrets', async () => {
    const secret = await createOk();
    const bad = await rotate({ id: secret.id, credentials: { b2ApplicationKey: fixtures.b2ApplicationKey() } });
    expect(bad).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const vaultConnectionId = await vaultConnection();
    const external = await createOk({ vaultConnectionId, credentials: null, fieldMappings: S3_MAPPINGS });
    const refused = await rotate({ id: external.id, credentials: { accessKey: fixtures.accessKey() } });
    expect(refused).toMatchObject({ code: 'CREDENTIALS_NOT_ALLOWED' });
  });
});

describe('deleteSecret', () => {
  test('SECRET_IN_USE: a secret with linked locations cannot be deleted', async () => {
    const secret = await createOk();
    await createS3Location(t.app, team, secret.id);
    expect((await executeOk(t.app, DeleteSecret, { input: { id: secret.id } }, team.ownerToken)).deleteSecret).toMatchObject({
      __typename: 'ConflictError',
      code: 'SECRET_IN_USE',
    });
    const free = await createOk();
    expect((await executeOk(t.app, DeleteSecret, { input: { id: free.id } }, team.ownerToken)).deleteSecret).toEqual({
      __typename: 'DeleteSecretSuccess',
      deletedSecretId: free.id,
    });
    // Scheduled for deletion (secret-deletion.test.ts): a second delete is refused.
    expect((await executeOk(t.app, DeleteSecret, { input: { id: free.id } }, team.ownerToken)).deleteSecret).toMatchObject({
      __typename: 'ConflictError',
      code: 'SECRET_DELETED',
    });
  });
});
