import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { describe, expect, test } from 'vitest';
import { openPayload } from '../../src/modules/crypto/envelope.ts';
import { graphql } from '../gql/index.ts';
import type { VaultConnectionsPageQuery, VaultCredentialsInput, VaultType } from '../gql/graphql.ts';
import { addMember, createTeamWithOwner, execute, type OkData } from '../helpers/app.ts';
import {
  CreateSecret,
  CreateVaultConnection,
  DeleteSecret,
  RestoreSecret,
  DeleteVaultConnection,
  NodeById,
  RotateVaultConnection,
  UpdateVaultConnection,
  VaultConnectionsPage,
} from '../helpers/documents.ts';
import { fixtures, useTestApp, uniqueName } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';
import { findLeaks, rowHaystacks } from '../helpers/leaks.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';

const SecretVaultConnection = graphql(`
  query SecretVaultConnection($id: ID!) {
    node(id: $id) {
      ... on Secret {
        storage
        vaultConnection {
          ...VaultConnectionFields
        }
      }
    }
  }
`);

const { t, team } = useTestApp();

/** Every response body of this file, and every credential value sent: the last test checks none shows up. */
const bodies: string[] = [];
const sentCredentials: string[] = [];

async function call<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token = team.ownerToken,
): Promise<OkData<TResult>> {
  const { body } = await execute(t.app, document, variables, token);
  bodies.push(JSON.stringify(body));
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data as OkData<TResult>;
}

const random = (prefix: string) => `${prefix}${randomBytes(18).toString('base64url')}`;
/** Valid credentials for a vault type, every value random and remembered. */
function credentialsFor(vaultType: VaultType, options: { secretPath?: string | null } = {}): VaultCredentialsInput {
  const credentials: VaultCredentialsInput =
    vaultType === 'ONEPASSWORD'
      ? { onePassword: { accessToken: random('ops_') } }
      : vaultType === 'DOPPLER'
        ? { doppler: { accessToken: random('dp.st.prd.'), project: random('project-'), config: random('prd-') } }
        : {
            infisical: {
              clientId: random('client-id-'),
              clientSecret: random('client-secret-'),
              projectId: random('project-id-'),
              environment: random('env-'),
              secretPath: options.secretPath,
            },
          };
  for (const member of Object.values(credentials)) {
    for (const value of Object.values(member as Record<string, string | null | undefined>))
      if (value && value.length > 12) sentCredentials.push(value);
  }
  return credentials;
}

async function create(
  vaultType: VaultType,
  credentials: VaultCredentialsInput = credentialsFor(vaultType),
  token = team.ownerToken,
  name = uniqueName(`vault-${vaultType.toLowerCase()}`),
) {
  return (
    await call(
      CreateVaultConnection,
      { input: { teamId: team.teamId, name, description: `${vaultType} connection`, vaultType, credentials } },
      token,
    )
  ).createVaultConnection;
}

async function createOk(vaultType: VaultType, credentials?: VaultCredentialsInput, name?: string) {
  const result = await create(vaultType, credentials, team.ownerToken, name);
  if (result.__typename !== 'CreateVaultConnectionSuccess') throw new Error(`createVaultConnection failed: ${JSON.stringify(result)}`);
  return result.vaultConnection.id;
}

async function connectionNode(id: string, token = team.ownerToken) {
  const { node } = await call(NodeById, { id }, token);
  if (node && node.__typename !== 'VaultConnection') throw new Error(`expected a VaultConnection, got ${node.__typename}`);
  return node;
}

async function storedRow(id: string) {
  return t.db.selectFrom('vault_connections').selectAll().where('id', '=', rawId(id)).executeTakeFirstOrThrow();
}

/** What the row's sealed columns hold (opened with the app's keyring, bound as the service binds them). */
async function openStored(id: string): Promise<unknown> {
  const row = await storedRow(id);
  const sealed = {
    ciphertext: Buffer.from(row.ciphertext),
    iv: Buffer.from(row.iv),
    authTag: Buffer.from(row.auth_tag),
    wrappedDataKey: Buffer.from(row.wrapped_data_key),
    masterKeyId: row.master_key_id,
  };
  return JSON.parse(
    openPayload(t.keyring, sealed, { teamId: row.team_id, secretId: `vault-connection:${row.id}`, version: row.payload_version }).toString(
      'utf8',
    ),
  );
}

const auditRows = (id: string) => auditEventsOf(t.db, id);

async function countNamed(name: string) {
  const rows = await t.db
    .selectFrom('vault_connections')
    .select('id')
    .where('team_id', '=', rawId(team.teamId))
    .where('name', '=', name)
    .execute();
  return rows.length;
}

/** An EXTERNAL_VAULT S3 secret reading from the connection. */
async function externalSecret(vaultConnectionId: string, vaultType: VaultType = 'ONEPASSWORD') {
  const fieldMappings =
    vaultType === 'ONEPASSWORD'
      ? [
          { fieldName: 'access_key_id', reference: 'op://Infra/aws/access_key_id' },
          { fieldName: 'secret_access_key', reference: 'op://Infra/aws/secret_access_key' },
        ]
      : [
          { fieldName: 'access_key_id', reference: 'AWS_ACCESS_KEY_ID' },
          { fieldName: 'secret_access_key', reference: 'AWS_SECRET_ACCESS_KEY' },
        ];
  const result = (
    await call(CreateSecret, {
      input: { teamId: team.teamId, name: uniqueName('external'), secretType: 'S3', vaultConnectionId, fieldMappings },
    })
  ).createSecret;
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(`createSecret failed: ${JSON.stringify(result)}`);
  return result.secret;
}

describe('createVaultConnection', () => {
  test.each([
    ['ONEPASSWORD', {}],
    ['DOPPLER', {}],
    ['INFISICAL', { secretPath: '/apps/api' }],
    ['INFISICAL', { secretPath: null }],
  ] as const)('%s %j: created at version 1, credentials sealed, audit row without values', async (vaultType, options) => {
    const credentials = credentialsFor(vaultType, options);
    const name = uniqueName(`Vault-${vaultType}`);
    const id = await createOk(vaultType, credentials, name);
    expect(await connectionNode(id)).toEqual({
      __typename: 'VaultConnection',
      id,
      name,
      description: `${vaultType} connection`,
      vaultType,
      version: 1,
      lastRotatedAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      team: { id: team.teamId },
      createdBy: { email: team.ownerEmail },
    });
    const member = Object.values(credentials)[0] as Record<string, unknown>;
    const expected = vaultType === 'INFISICAL' ? { ...member, secretPath: options.secretPath ?? '/' } : member;
    expect(await openStored(id)).toEqual(expected);
    expect((await storedRow(id)).payload_version).toBe(1);
    const [audit, ...more] = await auditRows(id);
    expect(more).toEqual([]);
    expect(audit).toMatchObject({ action: 'vault_connection.created', target_type: 'VaultConnection', target_version: 1 });
    expect([...audit!.changed_fields].sort()).toEqual(['credentials', 'description', 'name', 'vaultType']);
  });

  test('a credentials member that does not match vaultType is INVALID_CREDENTIALS, and nothing is created', async () => {
    const mismatches = [
      ['ONEPASSWORD', 'DOPPLER'],
      ['ONEPASSWORD', 'INFISICAL'],
      ['DOPPLER', 'ONEPASSWORD'],
      ['DOPPLER', 'INFISICAL'],
      ['INFISICAL', 'ONEPASSWORD'],
      ['INFISICAL', 'DOPPLER'],
    ] as const;
    for (const [vaultType, credentialsOf] of mismatches) {
      const name = uniqueName('mismatch');
      const result = await create(vaultType, credentialsFor(credentialsOf), team.ownerToken, name);
      expect(result).toMatchObject({
        __typename: 'ValidationError',
        code: 'INVALID_CREDENTIALS',
        fieldErrors: [{ path: ['input', 'credentials'], code: 'INVALID_CREDENTIALS' }],
      });
      expect(await countNamed(name)).toBe(0);
    }
  });

  test('the member’s own fields are validated too (INVALID_CREDENTIALS with a path per bad field)', async () => {
    const emptyToken = await create('ONEPASSWORD', { onePassword: { accessToken: '' } });
    expect(emptyToken).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      fieldErrors: [{ path: ['input', 'credentials', 'onePassword', 'accessToken'] }],
    });
    const relativePath = await create('INFISICAL', {
      infisical: { clientId: random('id-'), clientSecret: random('cs-'), projectId: 'p', environment: 'prod', secretPath: 'apps/api' },
    });
    expect(relativePath).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      fieldErrors: [{ path: ['input', 'credentials', 'infisical', 'secretPath'] }],
    });
    const padded = await create('DOPPLER', { doppler: { accessToken: ` ${random('dp.')} `, project: 'web', config: 'prd' } });
    expect(padded).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      fieldErrors: [{ path: ['input', 'credentials', 'doppler', 'accessToken'] }],
    });
  });

  test('VIEWER and OPERATOR cannot create, update, rotate or delete connections; VIEWER can read them', async () => {
    const id = await createOk('DOPPLER');
    for (const role of ['VIEWER', 'OPERATOR'] as const) {
      const member = await addMember(t.db, team, role);
      expect(await create('DOPPLER', credentialsFor('DOPPLER'), member.token)).toMatchObject({ __typename: 'ForbiddenError' });
      expect(
        (await call(UpdateVaultConnection, { input: { id, name: uniqueName('mine') } }, member.token)).updateVaultConnection,
      ).toMatchObject({ __typename: 'ForbiddenError' });
      expect(
        (await call(RotateVaultConnection, { input: { id, credentials: credentialsFor('DOPPLER') } }, member.token)).rotateVaultConnection,
      ).toMatchObject({ __typename: 'ForbiddenError' });
      expect((await call(DeleteVaultConnection, { input: { id } }, member.token)).deleteVaultConnection).toMatchObject({
        __typename: 'ForbiddenError',
      });
      expect(await connectionNode(id, member.token)).toMatchObject({ id, version: 1 });
    }
  });
});

describe('updateVaultConnection and rotateVaultConnection', () => {
  test('update renames and re-describes: version +1, expectedVersion compare-and-set, NAME_TAKEN, sealed columns untouched', async () => {
    const id = await createOk('ONEPASSWORD');
    const before = await storedRow(id);
    const name = uniqueName('Renamed');
    const renamed = (await call(UpdateVaultConnection, { input: { id, name, description: 'prod 1Password', expectedVersion: 1 } }))
      .updateVaultConnection;
    expect(renamed).toMatchObject({
      __typename: 'UpdateVaultConnectionSuccess',
      vaultConnection: { id, name, description: 'prod 1Password', version: 2, lastRotatedAt: null },
    });
    const stale = (await call(UpdateVaultConnection, { input: { id, name: uniqueName('stale'), expectedVersion: 1 } }))
      .updateVaultConnection;
    expect(stale).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });
    const cleared = (await call(UpdateVaultConnection, { input: { id, description: null } })).updateVaultConnection;
    expect(cleared).toMatchObject({ vaultConnection: { name, description: null, version: 3 } });

    const other = await createOk('ONEPASSWORD');
    const taken = (await call(UpdateVaultConnection, { input: { id: other, name: name.toUpperCase() } })).updateVaultConnection;
    expect(taken).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN' });
    expect(await create('DOPPLER', credentialsFor('DOPPLER'), team.ownerToken, name.toLowerCase())).toMatchObject({
      __typename: 'ConflictError',
      code: 'NAME_TAKEN',
    });

    const after = await storedRow(id);
    expect({ ...after, version: 0, name: '', name_key: '', description: null, updated_at: null, updated_by: null }).toEqual({
      ...before,
      version: 0,
      name: '',
      name_key: '',
      description: null,
      updated_at: null,
      updated_by: null,
    });
    expect((await auditRows(id)).map((row) => [row.action, row.target_version, [...row.changed_fields].sort()])).toEqual([
      ['vault_connection.created', 1, ['credentials', 'description', 'name', 'vaultType']],
      ['vault_connection.updated', 2, ['description', 'name']],
      ['vault_connection.updated', 3, ['description']],
    ]);
  });

  test('rotate replaces the credentials: version +1, lastRotatedAt set, every sealed column rewritten', async () => {
    const id = await createOk('DOPPLER');
    const before = await storedRow(id);
    const fresh = credentialsFor('DOPPLER');
    const rotated = (await call(RotateVaultConnection, { input: { id, credentials: fresh, expectedVersion: 1 } })).rotateVaultConnection;
    expect(rotated).toMatchObject({
      __typename: 'RotateVaultConnectionSuccess',
      vaultConnection: { id, vaultType: 'DOPPLER', version: 2, lastRotatedAt: expect.any(String) },
    });
    if (rotated.__typename !== 'RotateVaultConnectionSuccess') throw new Error();
    expect(Date.parse(rotated.vaultConnection.lastRotatedAt!)).toBeGreaterThanOrEqual(Date.parse(rotated.vaultConnection.createdAt));
    expect(await connectionNode(id)).toMatchObject({ version: 2, lastRotatedAt: rotated.vaultConnection.lastRotatedAt });

    const after = await storedRow(id);
    for (const column of ['ciphertext', 'iv', 'auth_tag', 'wrapped_data_key'] as const) {
      expect(Buffer.from(after[column]).equals(Buffer.from(before[column])), column).toBe(false);
    }
    expect(after.payload_version).toBe(2);
    expect(await openStored(id)).toEqual(fresh.doppler);

    const wrongMember = (await call(RotateVaultConnection, { input: { id, credentials: credentialsFor('ONEPASSWORD') } }))
      .rotateVaultConnection;
    expect(wrongMember).toMatchObject({
      __typename: 'ValidationError',
      code: 'INVALID_CREDENTIALS',
      fieldErrors: [{ path: ['input', 'credentials'] }],
    });
    const stale = (await call(RotateVaultConnection, { input: { id, credentials: credentialsFor('DOPPLER'), expectedVersion: 1 } }))
      .rotateVaultConnection;
    expect(stale).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });
    expect(await connectionNode(id)).toMatchObject({ version: 2 });
    expect(Buffer.from((await storedRow(id)).ciphertext).equals(Buffer.from(after.ciphertext))).toBe(true);
    expect((await auditRows(id)).at(-1)).toMatchObject({
      action: 'vault_connection.rotated',
      changed_fields: ['credentials'],
      target_version: 2,
    });
  });
});

describe('deleteVaultConnection and the secrets using it', () => {
  test('refused with VAULT_CONNECTION_IN_USE while an EXTERNAL_VAULT secret uses it; allowed once none does', async () => {
    const id = await createOk('ONEPASSWORD');
    const first = await externalSecret(id);
    const second = await externalSecret(id);
    const remove = async (expectedVersion?: number) =>
      (await call(DeleteVaultConnection, { input: { id, expectedVersion } })).deleteVaultConnection;

    expect(await remove()).toMatchObject({ __typename: 'ConflictError', code: 'VAULT_CONNECTION_IN_USE' });
    // A secret scheduled for deletion still uses the connection: these go at once.
    expect((await call(DeleteSecret, { input: { id: first.id, forceDeleteWithoutRecovery: true } })).deleteSecret).toMatchObject({
      __typename: 'DeleteSecretSuccess',
    });
    expect(await remove()).toMatchObject({ __typename: 'ConflictError', code: 'VAULT_CONNECTION_IN_USE' });
    expect(await connectionNode(id)).toMatchObject({ id, version: 1 });
    // Scheduled for deletion, a secret still reads through the connection until it is purged.
    expect((await call(DeleteSecret, { input: { id: second.id } })).deleteSecret).toMatchObject({ __typename: 'DeleteSecretSuccess' });
    expect(await remove()).toMatchObject({ __typename: 'ConflictError', code: 'VAULT_CONNECTION_IN_USE' });
    expect((await call(RestoreSecret, { input: { id: second.id } })).restoreSecret).toMatchObject({ __typename: 'RestoreSecretSuccess' });
    expect((await call(DeleteSecret, { input: { id: second.id, forceDeleteWithoutRecovery: true } })).deleteSecret).toMatchObject({
      __typename: 'DeleteSecretSuccess',
    });

    expect(await remove(5)).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });
    expect(await remove(1)).toEqual({ __typename: 'DeleteVaultConnectionSuccess', deletedVaultConnectionId: id });
    expect(await connectionNode(id)).toBeNull();
    expect(await t.db.selectFrom('vault_connections').select('id').where('id', '=', rawId(id)).execute()).toEqual([]);
    expect(await remove()).toMatchObject({ __typename: 'NotFoundError' });
    expect((await auditRows(id)).map((row) => row.action)).toEqual(['vault_connection.created', 'vault_connection.deleted']);
  });

  test('Secret.vaultConnection resolves to the connection (null for NATIVE secrets)', async () => {
    for (const vaultType of ['ONEPASSWORD', 'DOPPLER', 'INFISICAL'] as const) {
      const id = await createOk(vaultType);
      const secret = await externalSecret(id, vaultType);
      const { node } = await call(SecretVaultConnection, { id: secret.id });
      expect(node).toMatchObject({ storage: 'EXTERNAL_VAULT', vaultConnection: { id, vaultType, version: 1, team: { id: team.teamId } } });
    }
    const native = (
      await call(CreateSecret, {
        input: { teamId: team.teamId, name: uniqueName('native'), secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } },
      })
    ).createSecret;
    if (native.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(native));
    expect((await call(SecretVaultConnection, { id: native.secret.id })).node).toEqual({ storage: 'NATIVE', vaultConnection: null });
  });
});

describe('Team.vaultConnections', () => {
  test('lists the team’s connections by name, case-insensitively, page by page', async () => {
    const own = await createTeamWithOwner(t.db);
    const names = ['cherry', 'Date', 'apple', 'Banana', 'elder'];
    const ids = new Map<string, string>();
    for (const [index, name] of names.entries()) {
      const vaultType = (['ONEPASSWORD', 'DOPPLER', 'INFISICAL'] as const)[index % 3]!;
      const result = (
        await call(
          CreateVaultConnection,
          { input: { teamId: own.teamId, name, vaultType, credentials: credentialsFor(vaultType) } },
          own.ownerToken,
        )
      ).createVaultConnection;
      if (result.__typename !== 'CreateVaultConnectionSuccess') throw new Error(JSON.stringify(result));
      ids.set(name, result.vaultConnection.id);
    }
    const expected = ['apple', 'Banana', 'cherry', 'Date', 'elder'];
    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (let page = 0; page < 10; page++) {
      const data: VaultConnectionsPageQuery = await call(VaultConnectionsPage, { teamId: own.teamId, first: 2, after }, own.ownerToken);
      const connection = data.team!.vaultConnections;
      for (const edge of connection.edges) {
        expect(edge.node.id).toBe(ids.get(edge.node.name));
        seen.push(edge.node.name);
      }
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);

    // Another team's list does not include them, and their team is not readable from here.
    const mine = await call(VaultConnectionsPage, { teamId: team.teamId, first: 100 });
    expect(mine.team!.vaultConnections.edges.map((edge) => edge.node.id)).not.toEqual(expect.arrayContaining([ids.get('apple')]));
    expect((await call(VaultConnectionsPage, { teamId: own.teamId, first: 1 })).team).toBeNull();
  });
});

describe('a connection’s credentials never leave', () => {
  test('no response of this file and no vault_connections row holds any credential value', async () => {
    // Exercise every path that carries credentials once more: create, a refused create, rotate, a refused rotate.
    const id = await createOk('INFISICAL', credentialsFor('INFISICAL', { secretPath: '/team/app' }));
    await create('ONEPASSWORD', credentialsFor('DOPPLER'));
    await call(RotateVaultConnection, { input: { id, credentials: credentialsFor('INFISICAL') } });
    await call(RotateVaultConnection, { input: { id, credentials: credentialsFor('DOPPLER') } });

    const rows = await t.db.selectFrom('vault_connections').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    const haystacks = [...bodies.map((text, index) => ({ where: `response #${index}`, text })), ...rowHaystacks('vault_connections', rows)];
    expect(sentCredentials.length).toBeGreaterThan(10);
    expect(findLeaks(haystacks, sentCredentials)).toEqual([]);

    // The search can find what is there: names are plaintext, and the stored bytes are searchable in every encoding.
    const row = rows.find((candidate) => candidate.id === rawId(id))!;
    expect(findLeaks(haystacks, [row.name])).not.toEqual([]);
    expect(haystacks.some((haystack) => haystack.text === Buffer.from(row.ciphertext).toString('hex'))).toBe(true);
  });
});
