import { randomBytes, randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { AuthMethod, CreateSecretInput, SecretCredentialsInput, SecretType, VaultCredentialsInput } from '../gql/graphql.ts';
import { addMember, createTeamWithOwner, type OkData, type TestTeam } from '../helpers/app.ts';
import {
  AddTeamMember,
  CancelSecretRotation,
  CreateLocation,
  CreateSecret,
  CreateVaultConnection,
  CreateWorkspace,
  DeleteLocation,
  DeleteSecret,
  RestoreSecret,
  DeleteVaultConnection,
  DeleteWorkspace,
  DestroySecretVersion,
  PromoteSecretVersion,
  RemoveTeamMember,
  RestoreSecretVersion,
  RotateSecret,
  RotateSecretStaged,
  RotateVaultConnection,
  TeamSecrets,
  UpdateLocation,
  UpdateMemberRole,
  UpdateSecret,
  UpdateTeam,
  UpdateVaultConnection,
  UpdateWorkspace,
  VerifyLocation,
  VerifySecret,
} from '../helpers/documents.ts';
import { credentialsFor, fixtures, plaintextValues, uniqueName, useApp } from '../helpers/fixtures.ts';
import { rawId, unknownId } from '../helpers/ids.ts';
import { dumpDatabase, findLeaks, rowHaystacks } from '../helpers/leaks.ts';
import { AUTH_METHODS, credentialFieldsFor, credentialsMemberFor, secretTypeOf } from '../../src/modules/secret/provider-catalogue.ts';

const IsolationNodes = graphql(`
  query IsolationNodes($id: ID!, $ids: [ID!]!, $teamId: ID!) {
    node(id: $id) {
      __typename
      id
    }
    nodes(ids: $ids) {
      __typename
      id
    }
    team(id: $teamId) {
      id
      name
    }
  }
`);

/** Everything about team A that an outsider's attempts could change. */
const IsolationSnapshot = graphql(`
  query IsolationSnapshot($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Team {
        name
        slug
        version
        members(first: 100) {
          edges {
            node {
              role
              user {
                email
              }
            }
          }
        }
      }
      ... on Secret {
        name
        version
        locationCount
        credentialFields {
          maskedValue
        }
        versions(first: 20) {
          edges {
            node {
              version
            }
          }
        }
      }
      ... on Location {
        name
        version
        bucketName
        secret {
          id
        }
      }
      ... on VaultConnection {
        name
        version
        lastRotatedAt
      }
      ... on Workspace {
        name
        version
      }
    }
  }
`);

const t = useApp();

/** Every response of this file, as the client received it (status line, headers and body text). */
const responses: string[] = [];

async function send<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token?: string,
): Promise<{ status: number; body: ExecutionResult<TResult> }> {
  const response = await t.app.fetch('http://cloakroom.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const text = await response.text();
  responses.push(`${response.status}\n${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${text}`);
  return { status: response.status, body: JSON.parse(text) as ExecutionResult<TResult> };
}

async function ok<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token: string,
): Promise<OkData<TResult>> {
  const { body } = await send(document, variables, token);
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data as OkData<TResult>;
}

const random = (prefix: string, bytes = 18) => `${prefix}${randomBytes(bytes).toString('base64url')}`;

function success<T extends { __typename: string }>(result: T, typename: string): T {
  if (result.__typename !== typename) throw new Error(`expected ${typename}: ${JSON.stringify(result)}`);
  return result;
}

async function createSecretOk(token: string, input: CreateSecretInput) {
  const result = success((await ok(CreateSecret, { input }, token)).createSecret, 'CreateSecretSuccess');
  if (result.__typename !== 'CreateSecretSuccess') throw new Error();
  return result.secret;
}

async function createVaultConnectionOk(
  token: string,
  teamId: string,
  vaultType: 'ONEPASSWORD' | 'DOPPLER' | 'INFISICAL',
  credentials: VaultCredentialsInput,
) {
  const result = (await ok(CreateVaultConnection, { input: { teamId, name: uniqueName('vault'), vaultType, credentials } }, token))
    .createVaultConnection;
  if (result.__typename !== 'CreateVaultConnectionSuccess') throw new Error(JSON.stringify(result));
  return result.vaultConnection.id;
}

const S3_MAPPINGS = [
  { fieldName: 'access_key_id', reference: 'op://Infra/aws/access_key_id' },
  { fieldName: 'secret_access_key', reference: 'op://Infra/aws/secret_access_key' },
];

describe('team isolation: another team’s objects are indistinguishable from objects that do not exist', () => {
  let A: TestTeam;
  let B: TestTeam;
  const a = { vaultConnection: '', native: '', external: '', location: '', workspace: '' };
  const b = { secret: '', location: '' };
  let aIds: string[];
  /** The typename of each of aIds, in order. */
  const A_TYPENAMES = ['Team', 'User', 'VaultConnection', 'Secret', 'Secret', 'Location', 'Workspace'];

  /** An S3 secret of `team`, by its OWNER: its id. */
  const s3SecretOk = async (team: TestTeam, prefix: string) =>
    (
      await createSecretOk(team.ownerToken, {
        teamId: team.teamId,
        name: uniqueName(prefix),
        secretType: 'S3',
        credentials: { accessKey: fixtures.accessKey() },
      })
    ).id;

  /** An S3 location of `team` on `secretId`, by its OWNER: its id. */
  async function s3LocationOk(team: TestTeam, prefix: string, secretId: string, bucketName: string) {
    const input = { teamId: team.teamId, name: uniqueName(prefix), locationType: 'S3' as const, secretId, bucketName };
    const result = (await ok(CreateLocation, { input }, team.ownerToken)).createLocation;
    if (result.__typename !== 'CreateLocationSuccess') throw new Error(JSON.stringify(result));
    return result.location.id;
  }

  beforeAll(async () => {
    A = await createTeamWithOwner(t.db);
    B = await createTeamWithOwner(t.db);
    a.vaultConnection = await createVaultConnectionOk(A.ownerToken, A.teamId, 'ONEPASSWORD', {
      onePassword: { accessToken: random('ops_') },
    });
    a.native = await s3SecretOk(A, 'a-native');
    a.external = (
      await createSecretOk(A.ownerToken, {
        teamId: A.teamId,
        name: uniqueName('a-external'),
        secretType: 'S3',
        vaultConnectionId: a.vaultConnection,
        fieldMappings: S3_MAPPINGS,
      })
    ).id;
    a.location = await s3LocationOk(A, 'a-loc', a.native, 'a-bucket');
    const workspace = (await ok(CreateWorkspace, { input: { teamId: A.teamId, name: uniqueName('a-ws') } }, A.ownerToken)).createWorkspace;
    if (workspace.__typename !== 'CreateWorkspaceSuccess') throw new Error(JSON.stringify(workspace));
    a.workspace = workspace.workspace.id;

    b.secret = await s3SecretOk(B, 'b-native');
    b.location = await s3LocationOk(B, 'b-loc', b.secret, 'b');
    aIds = [A.teamId, A.ownerId, a.vaultConnection, a.native, a.external, a.location, a.workspace];
  });

  /** The error part of a result: what must not differ between "theirs" and "none". */
  const errorOf = (result: { __typename: string; code?: string; message?: string; fieldErrors?: unknown }) => ({
    __typename: result.__typename,
    code: result.code,
    message: result.message,
    fieldErrors: result.fieldErrors,
  });

  /** Team B's request. */
  const asB = <TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables) =>
    ok(document, variables, B.ownerToken);

  /**
   * Team B's attempt at a mutation of team A's objects, made once with their real ids and once
   * with ids that do not exist (`id` picks which): both answers are the same `typename` error.
   */
  async function expectIndistinguishable(
    label: string,
    attempt: (id: (real: string, typename: string) => string) => Promise<Record<string, unknown>>,
    typename = 'NotFoundError',
  ) {
    // A mutation document has one root field: its result.
    const result = async (id: (real: string, typename: string) => string) => Object.values(await attempt(id))[0] as { __typename: string };
    const real = await result((realId) => realId);
    const fake = await result((_realId, type) => unknownId(type));
    expect(real.__typename, label).toBe(typename);
    expect(errorOf(real), label).toEqual(errorOf(fake));
  }

  test('node, nodes and team(id) answer null for every id of team A, exactly as for ids that do not exist', async () => {
    for (const [index, id] of aIds.entries()) {
      const theirs = await ok(IsolationNodes, { id, ids: [id], teamId: A.teamId }, B.ownerToken);
      const none = await ok(
        IsolationNodes,
        { id: unknownId(A_TYPENAMES[index]!), ids: [unknownId(A_TYPENAMES[index]!)], teamId: unknownId('Team') },
        B.ownerToken,
      );
      expect(theirs, id).toEqual({ node: null, nodes: [null], team: null });
      expect(theirs).toEqual(none);
    }
    const all = await ok(IsolationNodes, { id: a.native, ids: aIds, teamId: A.teamId }, B.ownerToken);
    expect(all.nodes).toEqual(aIds.map(() => null));
    // The same ids resolve for team A itself (the check above is not vacuous).
    const own = await ok(IsolationNodes, { id: a.native, ids: aIds, teamId: A.teamId }, A.ownerToken);
    expect(own.nodes.map((node) => node?.__typename)).toEqual(A_TYPENAMES);
    expect(own.team).toMatchObject({ id: A.teamId });
  });

  test('every mutation on team A’s objects is NotFoundError, identical to the answer for an id that does not exist', async () => {
    const before = await ok(IsolationSnapshot, { ids: aIds }, A.ownerToken);
    const credentials: SecretCredentialsInput = { accessKey: fixtures.accessKey() };

    await expectIndistinguishable('updateSecret', (id) => asB(UpdateSecret, { input: { id: id(a.native, 'Secret'), name: 'hijacked' } }));
    await expectIndistinguishable('updateSecret external', (id) =>
      asB(UpdateSecret, { input: { id: id(a.external, 'Secret'), description: 'x', expectedVersion: 1 } }),
    );
    await expectIndistinguishable('rotateSecret', (id) => asB(RotateSecret, { input: { id: id(a.native, 'Secret'), credentials } }));
    await expectIndistinguishable('rotateSecret PENDING', (id) =>
      asB(RotateSecretStaged, { input: { id: id(a.native, 'Secret'), credentials, stage: 'PENDING' } }),
    );
    await expectIndistinguishable('promoteSecretVersion', (id) =>
      asB(PromoteSecretVersion, { input: { id: id(a.native, 'Secret'), version: 1 } }),
    );
    await expectIndistinguishable('cancelSecretRotation', (id) => asB(CancelSecretRotation, { input: { id: id(a.native, 'Secret') } }));
    await expectIndistinguishable('restoreSecretVersion', (id) =>
      asB(RestoreSecretVersion, { input: { id: id(a.native, 'Secret'), version: 1 } }),
    );
    await expectIndistinguishable('destroySecretVersion', (id) =>
      asB(DestroySecretVersion, { input: { id: id(a.native, 'Secret'), version: 1 } }),
    );
    await expectIndistinguishable('deleteSecret', (id) => asB(DeleteSecret, { input: { id: id(a.native, 'Secret') } }));
    await expectIndistinguishable('deleteSecret external', (id) => asB(DeleteSecret, { input: { id: id(a.external, 'Secret') } }));
    await expectIndistinguishable('deleteSecret forced', (id) =>
      asB(DeleteSecret, { input: { id: id(a.native, 'Secret'), forceDeleteWithoutRecovery: true } }),
    );
    await expectIndistinguishable('restoreSecret', (id) => asB(RestoreSecret, { input: { id: id(a.native, 'Secret') } }));
    await expectIndistinguishable('createSecret in team A', (id) =>
      asB(CreateSecret, { input: { teamId: id(A.teamId, 'Team'), name: uniqueName('x'), secretType: 'S3', credentials } }),
    );
    await expectIndistinguishable('createSecret in B reading A’s vault connection', (id) =>
      asB(CreateSecret, {
        input: {
          teamId: B.teamId,
          name: uniqueName('x'),
          secretType: 'S3',
          vaultConnectionId: id(a.vaultConnection, 'VaultConnection'),
          fieldMappings: S3_MAPPINGS,
        },
      }),
    );
    await expectIndistinguishable(
      'createSecret in B allowed in A’s workspace',
      (id) =>
        asB(CreateSecret, {
          input: {
            teamId: B.teamId,
            name: uniqueName('x'),
            secretType: 'S3',
            credentials,
            workspaceAccess: 'SOME',
            allowedWorkspaces: [id(a.workspace, 'Workspace')],
          },
        }),
      'ValidationError',
    );
    await expectIndistinguishable('createLocation in B on A’s secret', (id) =>
      asB(CreateLocation, {
        input: { teamId: B.teamId, name: uniqueName('x'), locationType: 'S3', secretId: id(a.native, 'Secret'), bucketName: 'b' },
      }),
    );
    await expectIndistinguishable('createLocation in A on A’s secret', (id) =>
      asB(CreateLocation, {
        input: {
          teamId: id(A.teamId, 'Team'),
          name: uniqueName('x'),
          locationType: 'S3',
          secretId: id(a.native, 'Secret'),
          bucketName: 'b',
        },
      }),
    );
    await expectIndistinguishable('updateLocation', (id) =>
      asB(UpdateLocation, { input: { id: id(a.location, 'Location'), bucketName: 'hijacked' } }),
    );
    await expectIndistinguishable('relink B’s location to A’s secret', (id) =>
      asB(UpdateLocation, { input: { id: b.location, secretId: id(a.native, 'Secret') } }),
    );
    await expectIndistinguishable('deleteLocation', (id) => asB(DeleteLocation, { input: { id: id(a.location, 'Location') } }));
    await expectIndistinguishable('verifyLocation', (id) => asB(VerifyLocation, { input: { id: id(a.location, 'Location') } }));
    await expectIndistinguishable('verifySecret', (id) => asB(VerifySecret, { input: { id: id(a.native, 'Secret') } }));
    await expectIndistinguishable('createVaultConnection in team A', (id) =>
      asB(CreateVaultConnection, {
        input: {
          teamId: id(A.teamId, 'Team'),
          name: uniqueName('x'),
          vaultType: 'ONEPASSWORD',
          credentials: { onePassword: { accessToken: random('ops_') } },
        },
      }),
    );
    await expectIndistinguishable('updateVaultConnection', (id) =>
      asB(UpdateVaultConnection, { input: { id: id(a.vaultConnection, 'VaultConnection'), name: 'hijacked' } }),
    );
    await expectIndistinguishable('rotateVaultConnection', (id) =>
      asB(RotateVaultConnection, {
        input: { id: id(a.vaultConnection, 'VaultConnection'), credentials: { onePassword: { accessToken: random('ops_') } } },
      }),
    );
    await expectIndistinguishable('deleteVaultConnection', (id) =>
      asB(DeleteVaultConnection, { input: { id: id(a.vaultConnection, 'VaultConnection') } }),
    );
    await expectIndistinguishable('updateWorkspace', (id) =>
      asB(UpdateWorkspace, { input: { id: id(a.workspace, 'Workspace'), name: 'hijacked' } }),
    );
    await expectIndistinguishable('deleteWorkspace', (id) => asB(DeleteWorkspace, { input: { id: id(a.workspace, 'Workspace') } }));
    await expectIndistinguishable('createWorkspace in team A', (id) =>
      asB(CreateWorkspace, { input: { teamId: id(A.teamId, 'Team'), name: uniqueName('x') } }),
    );
    await expectIndistinguishable('updateTeam', (id) => asB(UpdateTeam, { input: { id: id(A.teamId, 'Team'), name: 'Hijacked' } }));
    await expectIndistinguishable('addTeamMember', (id) =>
      asB(AddTeamMember, { input: { teamId: id(A.teamId, 'Team'), email: `intruder-${randomUUID()}@example.test`, role: 'OWNER' } }),
    );
    await expectIndistinguishable('updateMemberRole', (id) =>
      asB(UpdateMemberRole, { input: { teamId: id(A.teamId, 'Team'), userId: A.ownerId, role: 'VIEWER' } }),
    );
    await expectIndistinguishable('removeTeamMember', (id) =>
      asB(RemoveTeamMember, { input: { teamId: id(A.teamId, 'Team'), userId: A.ownerId } }),
    );

    const after = await ok(IsolationSnapshot, { ids: aIds }, A.ownerToken);
    expect(after).toEqual(before);
    expect(before.nodes.map((node) => node?.__typename)).toEqual(A_TYPENAMES);
    expect(before.nodes).toContainEqual(expect.objectContaining({ __typename: 'Secret', version: 1, locationCount: 1 }));
    // B's own location was not relinked either.
    const bSnapshot = await ok(IsolationSnapshot, { ids: [b.location] }, B.ownerToken);
    expect(bSnapshot.nodes[0]).toMatchObject({ version: 1, secret: { id: b.secret } });
  });
});

// ---------------------------------------------------------------------------------------------

/** Under 16 characters `••••`; otherwise at most a quarter of them, at most the first 4 and last 3, around `••••`. */
function mask(value: string): string {
  if (value.length < 16) return '••••';
  const quarter = Math.floor(value.length / 4);
  const head = Math.min(4, Math.ceil(quarter / 2));
  const tail = Math.min(3, quarter - head);
  return `${value.slice(0, head)}••••${tail ? value.slice(-tail) : ''}`;
}

/** One valid credentials input per auth method of the catalogue, with each field's stored value in field order. */
function credentialsByMethod(): [SecretType, AuthMethod, SecretCredentialsInput, [name: string, envVar: string, value: string][]][] {
  return AUTH_METHODS.map((method) => {
    if (credentialsMemberFor(method) === 'envVars') {
      // Free keys: values around the mask's 12-character boundary, and a multi-line one.
      const env = [
        { key: 'API_KEY', value: random('sk-live-') },
        { key: 'SHORT', value: 'elevenchars' },
        { key: 'TWELVE', value: 'twelve-chars' },
        { key: 'PEM', value: `-----BEGIN KEY-----\n${randomBytes(24).toString('base64')}\n-----END KEY-----\n` },
      ];
      return [secretTypeOf(method), method, { envVars: env }, env.map(({ key, value }) => [key, key, value] as [string, string, string])];
    }
    const credentials = credentialsFor(method);
    const values = credentials[credentialsMemberFor(method)] as Record<string, string>;
    return [
      secretTypeOf(method),
      method,
      credentials as SecretCredentialsInput,
      credentialFieldsFor(method).map((field) => [field.name, field.envVar, values[field.inputField]!] as [string, string, string]),
    ];
  });
}

describe('masking: credentialFields[].maskedValue', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeamWithOwner(t.db);
  });

  test('the mask rule itself: •••• under 16 characters, at most a quarter from 16 on, AKIA••••XYZ at most', () => {
    expect(mask('AKIAIOSFODNN7EXAMPLEXYZ-LONGER-THAN-28')).toBe('AKIA••••-28');
    expect(mask('AKIAIOSFODNN7EXAMPLE')).toBe('AKI••••LE');
    expect(mask('fifteen-chars!!')).toBe('••••');
    expect(mask('sixteen-chars!!!')).toBe('si••••!!');
  });

  test.each(credentialsByMethod().map((entry) => [entry[1], ...entry] as const))(
    '%s: masked on create, on every read, and again after a rotation',
    async (_label, secretType, authMethod, credentials, fields) => {
      const name = uniqueName(`mask-${authMethod.toLowerCase()}`);
      const created = await createSecretOk(team.ownerToken, { teamId: team.teamId, name, secretType, authMethod, credentials });
      const expected = fields.map(([fieldName, envVar, value]) => ({ name: fieldName, envVar, maskedValue: mask(value) }));
      expect(created.credentialFields).toEqual(expected);
      const listed = await ok(TeamSecrets, { teamId: team.teamId, first: 5, filter: { search: name } }, team.ownerToken);
      expect(listed.team!.secrets.edges.map((edge) => edge.node.credentialFields)).toEqual([expected]);

      const [fresh] = credentialsByMethod().filter((entry) => entry[1] === authMethod);
      const rotated = success(
        (await ok(RotateSecret, { input: { id: created.id, credentials: fresh![2] } }, team.ownerToken)).rotateSecret,
        'RotateSecretSuccess',
      );
      if (rotated.__typename !== 'RotateSecretSuccess') throw new Error();
      expect(rotated.secret.credentialFields).toEqual(
        fresh![3].map(([fieldName, envVar, value]) => ({ name: fieldName, envVar, maskedValue: mask(value) })),
      );
    },
  );

  test('boundaries on short-key providers: 15 characters → ••••, 16 → first 2 and last 2', async () => {
    const credentials = { accessKey: { accessKeyId: 'minio-admin-015', secretAccessKey: 'Secret1234567XYZ' } };
    const secret = await createSecretOk(team.ownerToken, {
      teamId: team.teamId,
      name: uniqueName('minio'),
      secretType: 'S3_COMPATIBLE',
      credentials,
    });
    expect(secret.credentialFields).toEqual([
      { name: 'access_key_id', envVar: 'AWS_ACCESS_KEY_ID', maskedValue: '••••' },
      { name: 'secret_access_key', envVar: 'AWS_SECRET_ACCESS_KEY', maskedValue: 'Se••••YZ' },
    ]);
    const azure = await createSecretOk(team.ownerToken, {
      teamId: team.teamId,
      name: uniqueName('azure-short'),
      secretType: 'AZURE_BLOB',
      authMethod: 'AZURE_ACCOUNT_KEY',
      credentials: { azureAccountKey: { accountName: 'acct1', accountKey: fixtures.azureAccountKey().accountKey } },
    });
    expect(azure.credentialFields?.[0]).toEqual({ name: 'account_name', envVar: 'AZURE_STORAGE_ACCOUNT', maskedValue: '••••' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('secrets never leave: responses, logs and every table', () => {
  test('no plaintext credential value appears in any response, log line or database column; audit rows hold field names only', async () => {
    const team = await createTeamWithOwner(t.db);
    const viewer = await addMember(t.db, team, 'VIEWER');
    const outsider = await createTeamWithOwner(t.db);
    const plaintexts: string[] = [];
    const remember = <T extends Record<string, unknown>>(credentials: T): T => {
      plaintexts.push(...plaintextValues(credentials));
      return credentials;
    };
    const input = (extra: Partial<CreateSecretInput>): CreateSecretInput => ({
      teamId: team.teamId,
      name: uniqueName('leak'),
      secretType: 'S3',
      ...extra,
    });

    // Every auth method, stored natively.
    const secrets = new Map<AuthMethod, string>();
    for (const [secretType, authMethod, credentials] of credentialsByMethod()) {
      const created = await createSecretOk(team.ownerToken, input({ secretType, authMethod, credentials: remember(credentials) }));
      secrets.set(authMethod, created.id);
    }
    const gcsJson = JSON.parse(plaintexts.find((value) => value.startsWith('{"type":"service_account"'))!) as Record<string, string>;
    plaintexts.push(gcsJson.private_key!, gcsJson.client_email!);
    const preset = random('sk-proj-');
    plaintexts.push(preset);
    const presetResult = (await ok(CreateSecret, { input: { teamId: team.teamId, preset: 'openai', value: preset } }, team.ownerToken))
      .createSecret;
    if (presetResult.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(presetResult));
    expect(presetResult.secret).toMatchObject({ name: 'OPENAI_API_KEY', secretType: 'ENV', envVarKeys: ['OPENAI_API_KEY'] });

    // Vault connections of every type, rotated once.
    const vaultCredentials: VaultCredentialsInput[] = [
      { onePassword: { accessToken: random('ops_eyJ') } },
      { doppler: { accessToken: random('dp.st.prd.'), project: random('project-'), config: random('config-') } },
      {
        infisical: {
          clientId: random('client-'),
          clientSecret: random('client-secret-'),
          projectId: random('project-'),
          environment: random('env-'),
          secretPath: '/apps/api',
        },
      },
    ];
    const vaultIds: string[] = [];
    for (const [index, vaultType] of (['ONEPASSWORD', 'DOPPLER', 'INFISICAL'] as const).entries()) {
      vaultIds.push(await createVaultConnectionOk(team.ownerToken, team.teamId, vaultType, remember(vaultCredentials[index]!)));
    }
    await ok(
      RotateVaultConnection,
      { input: { id: vaultIds[0]!, credentials: remember({ onePassword: { accessToken: random('ops_rot_') } }) } },
      team.ownerToken,
    );
    await ok(
      RotateVaultConnection,
      {
        input: {
          id: vaultIds[1]!,
          credentials: remember({ doppler: { accessToken: random('dp.st.rot.'), project: random('p-'), config: random('c-') } }),
        },
      },
      team.ownerToken,
    );
    const external = await createSecretOk(team.ownerToken, input({ vaultConnectionId: vaultIds[0]!, fieldMappings: S3_MAPPINGS }));

    // Rotations and updates.
    for (const method of ['S3_ACCESS_KEY', 'GCS_SERVICE_ACCOUNT', 'B2_APPLICATION_KEY', 'ENV_VARS'] as const) {
      const [, , credentials] = credentialsByMethod().find((entry) => entry[1] === method)!;
      await ok(RotateSecret, { input: { id: secrets.get(method)!, credentials: remember(credentials) } }, team.ownerToken);
    }
    // Stages: a staged rotation promoted, an old version restored (opened and sealed again on the
    // server), another destroyed. S3 versions: 1 created, 2 rotated, 3 staged; 5 restores 1.
    const stagedId = secrets.get('S3_ACCESS_KEY')!;
    const staged = { id: stagedId, stage: 'PENDING' as const, credentials: remember({ accessKey: fixtures.accessKey() }) };
    success((await ok(RotateSecretStaged, { input: staged }, team.ownerToken)).rotateSecret, 'RotateSecretSuccess');
    success(
      (await ok(PromoteSecretVersion, { input: { id: stagedId, version: 3 } }, team.ownerToken)).promoteSecretVersion,
      'PromoteSecretVersionSuccess',
    );
    success(
      (await ok(RestoreSecretVersion, { input: { id: stagedId, version: 1 } }, team.ownerToken)).restoreSecretVersion,
      'RestoreSecretVersionSuccess',
    );
    success(
      (await ok(DestroySecretVersion, { input: { id: stagedId, version: 2 } }, team.ownerToken)).destroySecretVersion,
      'DestroySecretVersionSuccess',
    );
    await ok(
      UpdateSecret,
      { input: { id: secrets.get('R2_ACCESS_KEY')!, description: 'new keys', credentials: remember({ accessKey: fixtures.accessKey() }) } },
      team.ownerToken,
    );
    await ok(
      UpdateSecret,
      {
        input: {
          id: secrets.get('AZURE_ACCOUNT_KEY')!,
          authMethod: 'AZURE_SAS_URL',
          credentials: remember({ azureSasUrl: fixtures.azureSasUrl() }),
        },
      },
      team.ownerToken,
    );
    const envId = secrets.get('ENV_VARS')!;
    const replaced = [
      { key: 'APP_DATABASE_URL', value: `postgres://app:${random('pw-')}@db.internal/app` },
      { key: 'TOKEN', value: random('tok-') },
    ];
    await ok(UpdateSecret, { input: { id: envId, values: remember({ envVars: replaced }).envVars } }, team.ownerToken);
    const added = [{ key: 'ADDED_SECRET', value: random('added-') }];
    await ok(
      UpdateSecret,
      { input: { id: envId, addValues: remember({ envVars: added }).envVars, renameKeys: [{ from: 'TOKEN', to: 'API_TOKEN' }] } },
      team.ownerToken,
    );
    await ok(UpdateSecret, { input: { id: envId, removeKeys: ['APP_DATABASE_URL'] } }, team.ownerToken);

    // Refused requests that carry credentials: each answer must say what is wrong, never echo the value.
    const refused: [string, CreateSecretInput][] = [
      [
        'bad format',
        input({ credentials: remember({ accessKey: { accessKeyId: random('AKIA'), secretAccessKey: `${random('has space ')} x` } }) }),
      ],
      ['wrong member', input({ credentials: remember({ b2ApplicationKey: fixtures.b2ApplicationKey() }) })],
      [
        'bad base64',
        input({
          secretType: 'AZURE_BLOB',
          authMethod: 'AZURE_ACCOUNT_KEY',
          credentials: remember({ azureAccountKey: { accountName: 'acct1', accountKey: `${random('not!base64')}` } }),
        }),
      ],
      [
        'http SAS',
        input({
          secretType: 'AZURE_BLOB',
          authMethod: 'AZURE_SAS_URL',
          credentials: remember({ azureSasUrl: { sasUrl: `http://acct.blob.core.windows.net/c?sig=${random('sig')}` } }),
        }),
      ],
      [
        'not a service account',
        input({
          secretType: 'GCS',
          credentials: remember({
            gcsServiceAccount: { serviceAccountJson: JSON.stringify({ private_key: random('-----BEGIN PRIVATE KEY-----') }) },
          }),
        }),
      ],
      ['bad env key', input({ secretType: 'ENV', credentials: remember({ envVars: [{ key: 'bad-key', value: random('env-') }] }) })],
      ['name taken', input({ name: 'Taken', credentials: remember({ accessKey: fixtures.accessKey() }) })],
      ['name taken again', input({ name: 'TAKEN', credentials: remember({ accessKey: fixtures.accessKey() }) })],
      ['vault with credentials', input({ vaultConnectionId: vaultIds[0]!, credentials: remember({ accessKey: fixtures.accessKey() }) })],
    ];
    for (const [label, attempt] of refused) {
      const result = (await ok(CreateSecret, { input: attempt }, team.ownerToken)).createSecret;
      if (label !== 'name taken') expect(result.__typename, label).not.toBe('CreateSecretSuccess');
    }
    expect(
      (await ok(CreateSecret, { input: input({ credentials: remember({ accessKey: fixtures.accessKey() }) }) }, viewer.token)).createSecret
        .__typename,
    ).toBe('ForbiddenError');
    expect(
      (
        await ok(
          CreateSecret,
          { input: { ...input({ credentials: remember({ accessKey: fixtures.accessKey() }) }), teamId: outsider.teamId } },
          team.ownerToken,
        )
      ).createSecret.__typename,
    ).toBe('NotFoundError');
    expect(
      (await ok(RotateSecret, { input: { id: external.id, credentials: remember({ accessKey: fixtures.accessKey() }) } }, team.ownerToken))
        .rotateSecret.__typename,
    ).toBe('ValidationError');
    expect(
      (
        await ok(
          RotateSecret,
          { input: { id: secrets.get('S3_ACCESS_KEY')!, credentials: remember({ gcsServiceAccount: fixtures.gcsServiceAccount() }) } },
          team.ownerToken,
        )
      ).rotateSecret.__typename,
    ).toBe('ValidationError');
    expect(
      (
        await ok(
          UpdateSecret,
          { input: { id: envId, addValues: remember({ envVars: [{ key: 'API_TOKEN', value: random('dup-') }] }).envVars } },
          team.ownerToken,
        )
      ).updateSecret.__typename,
    ).toBe('ValidationError');
    expect(
      (
        await ok(
          CreateVaultConnection,
          {
            input: {
              teamId: team.teamId,
              name: uniqueName('v'),
              vaultType: 'DOPPLER',
              credentials: remember({ onePassword: { accessToken: random('ops_wrong_') } }),
            },
          },
          team.ownerToken,
        )
      ).createVaultConnection.__typename,
    ).toBe('ValidationError');

    // Requests GraphQL itself refuses while coercing variables (400): two @oneOf members, a missing field, a non-string value.
    const twoMembers = remember({ accessKey: fixtures.accessKey(), b2ApplicationKey: fixtures.b2ApplicationKey() });
    const missingField = remember({ accessKey: { accessKeyId: random('AKIA') } });
    const nested = random('nested-');
    plaintexts.push(nested);
    const malformed: [string, unknown][] = [
      ['two members', twoMembers],
      ['missing field', missingField],
      [
        'object for a string',
        { accessKey: { accessKeyId: remember({ accessKey: { id: random('AKIA') } }).accessKey.id, secretAccessKey: { nested } } },
      ],
    ];
    for (const [label, credentials] of malformed) {
      const res = await send(CreateSecret, { input: input({ credentials: credentials as SecretCredentialsInput }) }, team.ownerToken);
      expect(res.status, label).toBe(400);
      expect(res.body.errors?.[0]?.message, label).toMatch(/input\.credentials/);
    }
    const twoVaultMembers = remember({
      onePassword: { accessToken: random('ops_two_') },
      doppler: { accessToken: random('dp.two.'), project: random('p-'), config: random('c-') },
    });
    expect(
      (
        await send(
          RotateVaultConnection,
          { input: { id: vaultIds[0]!, credentials: twoVaultMembers as unknown as VaultCredentialsInput } },
          team.ownerToken,
        )
      ).status,
    ).toBe(400);
    // Without a token: 401 before anything else.
    expect((await send(CreateSecret, { input: input({ credentials: remember({ accessKey: fixtures.accessKey() }) }) })).status).toBe(401);

    // Verification opens every storage method's credentials server side (the guard refuses the
    // private endpoint before any request): the stored checks, messages and logs must hold none of them.
    for (const [secretType, authMethod] of credentialsByMethod()) {
      if (secretType === 'ENV') continue;
      const secretId = secrets.get(authMethod)!;
      const location = (
        await ok(
          CreateLocation,
          {
            input: {
              teamId: team.teamId,
              name: uniqueName('verify'),
              locationType: secretType,
              secretId,
              bucketName: 'leak-bucket',
              endpointUrl: 'https://10.0.0.1',
            },
          },
          team.ownerToken,
        )
      ).createLocation;
      if (location.__typename !== 'CreateLocationSuccess') throw new Error(JSON.stringify(location));
      const verified = (await ok(VerifySecret, { input: { id: secretId } }, team.ownerToken)).verifySecret;
      expect(verified, authMethod).toMatchObject({
        __typename: 'VerifySecretSuccess',
        allPassed: false,
        verifications: [{ status: 'FAILED', checks: [{ check: 'LIST', errorCode: 'ENDPOINT_NOT_ALLOWED' }] }],
      });
    }

    // (a) responses, (b) log lines, (c) every table.
    const { tables, haystacks: rows } = await dumpDatabase(t.db);
    expect(tables).toEqual(
      expect.arrayContaining([
        'secrets',
        'secret_versions',
        'vault_connections',
        'audit_events',
        'locations',
        'api_tokens',
        'location_verifications',
      ]),
    );
    const haystacks = [
      ...responses.map((text, index) => ({ where: `response #${index}`, text })),
      ...t.logs.map((text, index) => ({ where: `log line #${index}`, text })),
      ...rows,
    ];
    // Values under 8 characters (an Azure account name like "acct1") could turn up by chance in random bytes.
    const unique = [...new Set(plaintexts)].filter((value) => value.length >= 8);
    expect(unique.length).toBeGreaterThan(60);
    expect(findLeaks(haystacks, unique)).toEqual([]);

    // The search sees what it should: the responses, the logs and the tables were really searched.
    const ciphertext = (
      await t.db
        .selectFrom('secret_versions')
        .select('ciphertext')
        .where('secret_id', '=', rawId(envId))
        .orderBy('version', 'desc')
        .executeTakeFirstOrThrow()
    ).ciphertext!;
    expect(findLeaks(rows, [Buffer.from(ciphertext).toString('latin1')])).not.toEqual([]);
    expect(findLeaks(haystacks, [team.ownerEmail])).not.toEqual([]);
    expect(t.logs.some((line) => line.includes('"status":400'))).toBe(true);
    expect(responses.some((text) => text.includes('INVALID_CREDENTIALS'))).toBe(true);

    // Audit rows of this team: camelCase field names only. Refused requests leave no row, but for
    // the one denial (the VIEWER's create), which names the permission and no field.
    const audit = await t.db.selectFrom('audit_events').selectAll().where('team_id', '=', rawId(team.teamId)).orderBy('seq').execute();
    expect(audit.length).toBeGreaterThan(20);
    for (const row of audit) {
      for (const field of row.changed_fields) expect(field, `${row.action} changed_fields`).toMatch(/^[a-z][A-Za-z]{1,40}$/);
    }
    expect(audit.filter((row) => row.outcome !== 'SUCCESS').map((row) => [row.outcome, row.changed_fields])).toEqual([['DENIED', []]]);
    expect(findLeaks(rowHaystacks('audit_events', audit), unique)).toEqual([]);
    const actions = audit.map((row) => row.action);
    expect(actions.filter((action) => action === 'secret.created')).toHaveLength(credentialsByMethod().length + 3);
    expect(audit.filter((row) => row.action === 'secret.rotated').map((row) => row.changed_fields)).toEqual([
      ['credentials'],
      ['credentials'],
      ['credentials'],
      ['credentials'],
      ['pendingVersion'],
    ]);
    expect(
      audit.filter((row) => row.action.startsWith('secret.version_')).map((row) => [row.action, row.target_id, row.target_version]),
    ).toEqual([
      ['secret.version_promoted', rawId(stagedId), 4],
      ['secret.version_restored', rawId(stagedId), 5],
      ['secret.version_destroyed', rawId(stagedId), 6],
    ]);
    expect(audit.filter((row) => row.action === 'vault_connection.rotated').map((row) => row.changed_fields)).toEqual([
      ['credentials'],
      ['credentials'],
    ]);
    expect(
      audit.filter((row) => row.action === 'secret.updated' && row.target_id === rawId(envId)).map((row) => row.changed_fields),
    ).toEqual([['credentials'], ['credentials'], ['credentials']]);
  });
});
