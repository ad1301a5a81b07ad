import { beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { CreateSecretInput, UpdateSecretInput } from '../gql/graphql.ts';
import { addMember, createTeamWithOwner, executeOk, startTestApp, type TestTeam } from '../helpers/app.ts';
import {
  CreateLocation,
  CreateSecret,
  CreateWorkspace,
  DeleteSecret,
  DeleteWorkspace,
  RemoveTeamMember,
  RotateSecret,
  UpdateSecret,
  UpdateWorkspace,
} from '../helpers/documents.ts';
import { fixtures, uniqueName, useTestApp } from '../helpers/fixtures.ts';
import { unknownId } from '../helpers/ids.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';
import { fromGlobalId } from '../../src/graphql/global-id.ts';

const SharedSecretFields = graphql(`
  fragment SharedSecretFields on Secret {
    id
    name
    version
    visibility
    owner {
      id
    }
    envVarKeys
    credentialFields {
      name
      maskedValue
    }
    workspaceAccess
    allowedWorkspaces {
      id
      name
    }
  }
`);
void SharedSecretFields;

const SharingSecret = graphql(`
  query SharingSecret($id: ID!) {
    node(id: $id) {
      __typename
      ...SharedSecretFields
    }
  }
`);

// A separate operation: asking for the same node through both node and nodes in one request
// trips a Pothos relay bug (see the report), unrelated to visibility.
const SharingSecretNodes = graphql(`
  query SharingSecretNodes($ids: [ID!]!) {
    nodes(ids: $ids) {
      id
    }
  }
`);

const SharingTeamSecrets = graphql(`
  query SharingTeamSecrets($teamId: ID!, $filter: SecretFilter) {
    team(id: $teamId) {
      secrets(first: 100, filter: $filter) {
        edges {
          node {
            ...SharedSecretFields
          }
        }
      }
    }
  }
`);

const SharingSecretByName = graphql(`
  query SharingSecretByName($teamId: ID!, $name: String!) {
    team(id: $teamId) {
      secretByName(name: $name) {
        ...SharedSecretFields
      }
    }
  }
`);

const SharingTeamWorkspaces = graphql(`
  query SharingTeamWorkspaces($teamId: ID!) {
    team(id: $teamId) {
      workspaces(first: 100) {
        edges {
          node {
            id
            name
          }
        }
      }
    }
  }
`);

const SharingAvailableSecrets = graphql(`
  query SharingAvailableSecrets($id: ID!, $filter: SecretFilter) {
    node(id: $id) {
      __typename
      ... on Workspace {
        id
        name
        team {
          id
        }
        availableSecrets(first: 100, filter: $filter) {
          edges {
            node {
              id
              envVarKeys
            }
          }
        }
      }
    }
  }
`);

type User = { name: string; token: string; userId: string };

const { t, team } = useTestApp({ members: true });
// The team's members and another team's OWNER, named as failures show them.
let other: TestTeam;
let owner: User, admin: User, operator: User, otherOperator: User, viewer: User, outsider: User;

beforeAll(async () => {
  const { ADMIN, OPERATOR, VIEWER } = team.members;
  [owner, admin, operator, viewer] = [
    { name: 'OWNER', token: team.ownerToken, userId: team.ownerId },
    { name: 'ADMIN', ...ADMIN },
    { name: 'OPERATOR', ...OPERATOR },
    { name: 'VIEWER', ...VIEWER },
  ];
  otherOperator = { name: 'other OPERATOR', ...(await addMember(t.db, team, 'OPERATOR')) };
  other = await createTeamWithOwner(t.db);
  outsider = { name: 'other team OWNER', token: other.ownerToken, userId: other.ownerId };
});

const LONG_VALUE = 'private-value-0123456789-XYZ';

async function create(input: Partial<CreateSecretInput>, as: User) {
  return (await executeOk(t.app, CreateSecret, { input: { teamId: team.teamId, name: uniqueName('secret'), ...input } }, as.token))
    .createSecret;
}

async function createOk(input: Partial<CreateSecretInput>, as: User): Promise<string> {
  const result = await create(input, as);
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
  return result.secret.id;
}

const envInput = (key = 'TOKEN', value = LONG_VALUE): Partial<CreateSecretInput> => ({
  secretType: 'ENV',
  credentials: { envVars: [{ key, value }] },
});

async function update(input: UpdateSecretInput, as: User) {
  return (await executeOk(t.app, UpdateSecret, { input }, as.token)).updateSecret;
}

async function read(id: string, as: User) {
  const data = await executeOk(t.app, SharingSecret, { id }, as.token);
  const { nodes } = await executeOk(t.app, SharingSecretNodes, { ids: [id] }, as.token);
  return { node: data.node?.__typename === 'Secret' ? data.node : null, nodes };
}

async function list(as: User, filter: { visibility?: 'TEAM' | 'PRIVATE'; serviceSlug?: string } = {}) {
  const data = await executeOk(t.app, SharingTeamSecrets, { teamId: team.teamId, filter }, as.token);
  return (data.team?.secrets.edges ?? []).map((edge) => edge.node);
}

async function byName(name: string, as: User) {
  return (await executeOk(t.app, SharingSecretByName, { teamId: team.teamId, name }, as.token)).team?.secretByName ?? null;
}

async function versionOf(id: string): Promise<number> {
  const { node } = await read(id, owner);
  if (!node) throw new Error('owner cannot see the secret');
  return node.version;
}

async function createWorkspace(name: string, as: User = admin, teamId = team.teamId) {
  return (await executeOk(t.app, CreateWorkspace, { input: { teamId, name } }, as.token)).createWorkspace;
}

async function createWorkspaceOk(name = uniqueName('ws'), as: User = admin, teamId = team.teamId): Promise<string> {
  const result = await createWorkspace(name, as, teamId);
  if (result.__typename !== 'CreateWorkspaceSuccess') throw new Error(JSON.stringify(result));
  return result.workspace.id;
}

async function available(workspaceId: string, as: User = admin, filter: { serviceSlug?: string } = {}): Promise<string[]> {
  const node = (await executeOk(t.app, SharingAvailableSecrets, { id: workspaceId, filter }, as.token)).node;
  if (node?.__typename !== 'Workspace') return [];
  return node.availableSecrets.edges.map((edge) => edge.node.id);
}

async function allowedOf(id: string): Promise<{ workspaceAccess: string; allowed: string[] }> {
  const { node } = await read(id, owner);
  return { workspaceAccess: node!.workspaceAccess, allowed: node!.allowedWorkspaces.map((workspace) => workspace.id) };
}

describe('a PRIVATE ENV secret of an OPERATOR', () => {
  let secretId: string;
  let secretName: string;
  beforeAll(async () => {
    secretName = uniqueName('Operator-Private');
    secretId = await createOk({ ...envInput('MY_TOKEN'), name: secretName, shared: false }, operator);
  });

  test('its owner sees everything: visibility, owner, keys and previews, in lists, by name, filtered by visibility', async () => {
    const { node, nodes } = await read(secretId, operator);
    expect(node).toMatchObject({
      visibility: 'PRIVATE',
      owner: { id: operator.userId },
      envVarKeys: ['MY_TOKEN'],
      credentialFields: [{ name: 'MY_TOKEN', maskedValue: 'priv••••XYZ' }],
    });
    expect(nodes).toEqual([{ id: secretId }]);
    expect((await list(operator)).map((secret) => secret.id)).toContain(secretId);
    expect((await list(operator, { visibility: 'PRIVATE' })).map((secret) => secret.id)).toEqual([secretId]);
    expect((await list(operator, { visibility: 'TEAM' })).map((secret) => secret.id)).not.toContain(secretId);
    expect(await byName(secretName.toUpperCase(), operator)).toMatchObject({ id: secretId, envVarKeys: ['MY_TOKEN'] });
  });

  test('OWNER and ADMIN see that it exists (node, list, by name) but never its keys', async () => {
    for (const as of [owner, admin]) {
      const { node, nodes } = await read(secretId, as);
      expect(node, as.name).toMatchObject({
        id: secretId,
        visibility: 'PRIVATE',
        owner: { id: operator.userId },
        envVarKeys: null,
        credentialFields: null,
      });
      expect(nodes, as.name).toEqual([{ id: secretId }]);
      const listed = (await list(as)).find((secret) => secret.id === secretId);
      expect(listed, as.name).toMatchObject({ envVarKeys: null, credentialFields: null });
      expect(
        (await list(as, { visibility: 'PRIVATE' })).map((secret) => secret.id),
        as.name,
      ).toContain(secretId);
      expect(await byName(secretName, as), as.name).toMatchObject({ id: secretId, envVarKeys: null, credentialFields: null });
    }
  });

  test('another OPERATOR and a VIEWER do not see it at all; nor does another team', async () => {
    for (const as of [otherOperator, viewer, outsider]) {
      expect(await read(secretId, as), as.name).toEqual({ node: null, nodes: [null] });
    }
    for (const as of [otherOperator, viewer]) {
      expect(
        (await list(as)).map((secret) => secret.id),
        as.name,
      ).not.toContain(secretId);
      expect(await list(as, { visibility: 'PRIVATE' }), as.name).toEqual([]);
      expect(await byName(secretName, as), as.name).toBeNull();
    }
  });

  test('only its owner edits it: OWNER/ADMIN get ForbiddenError, the others NotFoundError; nothing changes', async () => {
    const version = await versionOf(secretId);
    for (const as of [owner, admin]) {
      expect(await update({ id: secretId, name: uniqueName('taken-over') }, as), as.name).toMatchObject({ __typename: 'ForbiddenError' });
      expect(await update({ id: secretId, addValues: [{ key: 'INJECTED', value: 'x-value-123' }] }, as), as.name).toMatchObject({
        __typename: 'ForbiddenError',
      });
      const rotate = await executeOk(
        t.app,
        RotateSecret,
        { input: { id: secretId, credentials: { envVars: [{ key: 'X', value: 'y-value' }] } } },
        as.token,
      );
      expect(rotate.rotateSecret, as.name).toMatchObject({ __typename: 'ForbiddenError' });
      const del = await executeOk(t.app, DeleteSecret, { input: { id: secretId } }, as.token);
      expect(del.deleteSecret, as.name).toMatchObject({ __typename: 'ForbiddenError' });
    }
    for (const as of [otherOperator, viewer, outsider]) {
      expect(await update({ id: secretId, name: uniqueName('taken-over') }, as), as.name).toMatchObject({ __typename: 'NotFoundError' });
      const del = await executeOk(t.app, DeleteSecret, { input: { id: secretId } }, as.token);
      expect(del.deleteSecret, as.name).toMatchObject({ __typename: 'NotFoundError' });
    }
    expect(await versionOf(secretId)).toBe(version);
    expect((await read(secretId, operator)).node).toMatchObject({ name: secretName, envVarKeys: ['MY_TOKEN'] });
  });

  test('its owner edits it: name, key operations, serviceSlug', async () => {
    const version = await versionOf(secretId);
    const result = await update(
      {
        id: secretId,
        renameKeys: [{ from: 'MY_TOKEN', to: 'MY_API_TOKEN' }],
        addValues: [{ key: 'MY_URL', value: 'https://example.test/api' }],
        serviceSlug: 'example',
      },
      operator,
    );
    expect(result).toMatchObject({
      __typename: 'UpdateSecretSuccess',
      secret: { version: version + 1, envVarKeys: ['MY_API_TOKEN', 'MY_URL'] },
    });
    expect((await read(secretId, operator)).node).toMatchObject({
      visibility: 'PRIVATE',
      credentialFields: [
        { name: 'MY_API_TOKEN', maskedValue: 'priv••••XYZ' },
        { name: 'MY_URL', maskedValue: 'htt••••api' },
      ],
    });
  });

  test('sharing it needs ADMIN, and ADMIN cannot take over another member’s PRIVATE secret', async () => {
    const version = await versionOf(secretId);
    expect(await update({ id: secretId, shared: true }, operator)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await update({ id: secretId, shared: true }, admin)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await versionOf(secretId)).toBe(version);
    expect((await read(secretId, viewer)).node).toBeNull();
    // Restating the current visibility is no change, so it needs no ADMIN.
    expect(await update({ id: secretId, shared: false, description: 'mine' }, operator)).toMatchObject({
      __typename: 'UpdateSecretSuccess',
      secret: { version: version + 1 },
    });
  });

  test('its OPERATOR owner cannot turn it into a storage secret (they could not create one): ForbiddenError, nothing changes', async () => {
    const id = await createOk({ ...envInput(), shared: false }, operator);
    const result = await update(
      { id, secretType: 'S3', authMethod: 'S3_ACCESS_KEY', credentials: { accessKey: fixtures.accessKey() } },
      operator,
    );
    expect(result).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await read(id, operator)).node).toMatchObject({ version: 1, envVarKeys: ['TOKEN'] });
    // Naming its current type is no change of type.
    expect(await update({ id, secretType: 'ENV', description: 'still env' }, operator)).toMatchObject({
      __typename: 'UpdateSecretSuccess',
      secret: { version: 2, secretType: 'ENV' },
    });
  });

  test('its owner may delete it', async () => {
    const id = await createOk({ ...envInput(), shared: false }, operator);
    expect((await executeOk(t.app, DeleteSecret, { input: { id } }, operator.token)).deleteSecret).toMatchObject({
      __typename: 'DeleteSecretSuccess',
      deletedSecretId: id,
    });
    // Scheduled for deletion (an OPERATOR cannot force it): gone from the list, restorable until purged.
    expect(await t.db.selectFrom('secrets').select('deleted_at').where('id', '=', fromGlobalId(id, 'Secret')).executeTakeFirst()).toEqual({
      deleted_at: expect.any(Date),
    });
  });
});

describe('a removed member’s PRIVATE secrets', () => {
  test('once their owner has left, an ADMIN or OWNER may delete them (audited), freeing the name; nobody may change them', async () => {
    const leaver = { name: 'leaving OPERATOR', ...(await addMember(t.db, team, 'OPERATOR')) };
    const name = uniqueName('left-behind');
    const id = await createOk({ ...envInput('LEFT_TOKEN'), name, shared: false }, leaver);
    // While its owner is a member, it is theirs alone.
    expect((await executeOk(t.app, DeleteSecret, { input: { id } }, admin.token)).deleteSecret).toMatchObject({
      __typename: 'ForbiddenError',
    });

    const removed = await executeOk(t.app, RemoveTeamMember, { input: { teamId: team.teamId, userId: leaver.userId } }, owner.token);
    expect(removed.removeTeamMember.__typename).toBe('RemoveTeamMemberSuccess');

    // Its values were its owner's alone: nobody changes or rotates it.
    expect(await update({ id, description: 'taken over' }, admin)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(
      (
        await executeOk(
          t.app,
          RotateSecret,
          { input: { id, credentials: { envVars: [{ key: 'LEFT_TOKEN', value: LONG_VALUE }] } } },
          admin.token,
        )
      ).rotateSecret,
    ).toMatchObject({ __typename: 'ForbiddenError' });
    // Deleting it takes the role that manages the team's secrets; the others do not even see it.
    for (const who of [viewer, operator]) {
      expect((await executeOk(t.app, DeleteSecret, { input: { id } }, who.token)).deleteSecret).toMatchObject({
        __typename: 'NotFoundError',
      });
    }
    expect((await executeOk(t.app, DeleteSecret, { input: { id } }, outsider.token)).deleteSecret).toMatchObject({
      __typename: 'NotFoundError',
    });
    // At once, so that the name is free now (a scheduled secret keeps its name until purged).
    expect(
      (await executeOk(t.app, DeleteSecret, { input: { id, forceDeleteWithoutRecovery: true } }, admin.token)).deleteSecret,
    ).toMatchObject({
      __typename: 'DeleteSecretSuccess',
      deletedSecretId: id,
    });
    expect((await read(id, owner)).node).toBeNull();
    expect(await auditEventsOf(t.db, id, 'secret.deleted')).toMatchObject([
      { actor_user_id: fromGlobalId(admin.userId, 'User'), outcome: 'SUCCESS' },
    ]);
    // The name is free again.
    expect(await create({ ...envInput(), name }, admin)).toMatchObject({ __typename: 'CreateSecretSuccess' });
  });
});

describe('who may create what', () => {
  test('OPERATOR: PRIVATE ENV secrets only (TEAM ones and PRIVATE storage ones are ForbiddenError)', async () => {
    expect(await create(envInput(), operator)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await create({ ...envInput(), shared: true }, operator)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await create({ secretType: 'S3', credentials: { accessKey: fixtures.accessKey() }, shared: false }, operator)).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect(await create({ preset: 'openai', value: 'sk-proj-0123456789abcdef' }, operator)).toMatchObject({ __typename: 'ForbiddenError' });
    const preset = await create(
      { preset: 'openai', value: 'sk-proj-0123456789abcdef', name: uniqueName('my-openai'), shared: false },
      operator,
    );
    expect(preset).toMatchObject({ __typename: 'CreateSecretSuccess', secret: { envVarKeys: ['OPENAI_API_KEY'] } });
  });

  test('VIEWER: nothing; another team: NotFoundError', async () => {
    expect(await create({ ...envInput(), shared: false }, viewer)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await create(envInput(), outsider)).toMatchObject({ __typename: 'NotFoundError' });
  });

  test('shared defaults to true: a TEAM secret, owner null, every member sees its keys', async () => {
    const id = await createOk(envInput('TEAM_KEY'), admin);
    for (const as of [owner, admin, operator, otherOperator, viewer]) {
      expect((await read(id, as)).node, as.name).toMatchObject({ visibility: 'TEAM', owner: null, envVarKeys: ['TEAM_KEY'] });
    }
    expect((await read(id, outsider)).node).toBeNull();
  });

  test('OPERATOR cannot edit a TEAM secret (ForbiddenError), VIEWER neither', async () => {
    const id = await createOk(envInput('TEAM_KEY'), admin);
    for (const as of [operator, viewer]) {
      expect(await update({ id, addValues: [{ key: 'MORE', value: 'more-value-123' }] }, as), as.name).toMatchObject({
        __typename: 'ForbiddenError',
      });
    }
    expect(await versionOf(id)).toBe(1);
  });
});

describe('changing shared (ADMIN)', () => {
  test('ADMIN takes a TEAM secret private: it becomes theirs; OWNER sees it exists, OPERATOR and VIEWER lose it', async () => {
    const id = await createOk(envInput('WAS_TEAM'), owner);
    expect(await update({ id, shared: false }, admin)).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { version: 2 } });
    expect((await read(id, admin)).node).toMatchObject({ visibility: 'PRIVATE', owner: { id: admin.userId }, envVarKeys: ['WAS_TEAM'] });
    expect((await read(id, owner)).node).toMatchObject({ visibility: 'PRIVATE', envVarKeys: null, credentialFields: null });
    for (const as of [operator, viewer]) expect((await read(id, as)).node, as.name).toBeNull();
  });

  test('ADMIN shares their own PRIVATE secret: TEAM, owner null, visible to all members', async () => {
    const id = await createOk({ ...envInput('WAS_PRIVATE'), shared: false }, admin);
    expect((await read(id, viewer)).node).toBeNull();
    expect(await update({ id, shared: true }, admin)).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { version: 2 } });
    expect((await read(id, viewer)).node).toMatchObject({ visibility: 'TEAM', owner: null, envVarKeys: ['WAS_PRIVATE'] });
    expect((await list(viewer, { visibility: 'TEAM' })).map((secret) => secret.id)).toContain(id);
  });

  test('the visibility filter lists each kind, as each member may see it', async () => {
    const teamSecret = await createOk(envInput(), admin);
    const adminPrivate = await createOk({ ...envInput(), shared: false }, admin);
    const ids = async (as: User, visibility: 'TEAM' | 'PRIVATE') => (await list(as, { visibility })).map((secret) => secret.id);
    expect(await ids(viewer, 'TEAM')).toContain(teamSecret);
    expect(await ids(viewer, 'PRIVATE')).toEqual([]);
    expect(await ids(owner, 'PRIVATE')).toContain(adminPrivate);
    expect(await ids(owner, 'PRIVATE')).not.toContain(teamSecret);
    expect(await ids(owner, 'TEAM')).not.toContain(adminPrivate);
  });
});

describe('workspaces', () => {
  test('ADMIN creates, renames and deletes them; OPERATOR and VIEWER cannot; other teams do not see them', async () => {
    const name = uniqueName('Production');
    const created = await createWorkspace(name);
    expect(created).toMatchObject({ __typename: 'CreateWorkspaceSuccess', workspace: { name, version: 1, description: null } });
    if (created.__typename !== 'CreateWorkspaceSuccess') throw new Error('unreachable');
    const id = created.workspace.id;
    for (const as of [operator, viewer])
      expect(await createWorkspace(uniqueName('nope'), as), as.name).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await createWorkspace(uniqueName('nope'), outsider)).toMatchObject({ __typename: 'NotFoundError' });
    expect(await createWorkspace(name)).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN' });

    const workspaces = async (as: User) =>
      ((await executeOk(t.app, SharingTeamWorkspaces, { teamId: team.teamId }, as.token)).team?.workspaces.edges ?? []).map(
        (edge) => edge.node,
      );
    expect(await workspaces(viewer)).toContainEqual({ id, name });
    expect((await executeOk(t.app, SharingAvailableSecrets, { id }, outsider.token)).node).toBeNull();

    const rename = (input: { name?: string; description?: string; expectedVersion?: number }, as: User = admin) =>
      executeOk(t.app, UpdateWorkspace, { input: { id, ...input } }, as.token).then((data) => data.updateWorkspace);
    expect(await rename({ name: `${name}-renamed`, description: 'prod', expectedVersion: 1 })).toMatchObject({
      __typename: 'UpdateWorkspaceSuccess',
      workspace: { name: `${name}-renamed`, description: 'prod', version: 2 },
    });
    expect(await rename({ name: 'stale', expectedVersion: 1 })).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });
    expect(await rename({ name: 'by-operator' }, operator)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await rename({ name: 'by-outsider' }, outsider)).toMatchObject({ __typename: 'NotFoundError' });

    const remove = (as: User) => executeOk(t.app, DeleteWorkspace, { input: { id } }, as.token).then((data) => data.deleteWorkspace);
    expect(await remove(operator)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await remove(admin)).toMatchObject({ __typename: 'DeleteWorkspaceSuccess', deletedWorkspaceId: id });
    expect((await workspaces(admin)).map((workspace) => workspace.id)).not.toContain(id);
    expect(await remove(admin)).toMatchObject({ __typename: 'NotFoundError' });
  });

  test('workspaceAccess defaults to ALL with no allowed workspaces', async () => {
    const id = await createOk(envInput(), admin);
    expect(await allowedOf(id)).toEqual({ workspaceAccess: 'ALL', allowed: [] });
  });

  test('SOME needs a non-empty list (WORKSPACES_REQUIRED) of this team’s workspaces (UNKNOWN_WORKSPACE per bad item)', async () => {
    const mine = await createWorkspaceOk();
    const theirs = await createWorkspaceOk(uniqueName('theirs'), outsider, other.teamId);
    expect(await create({ ...envInput(), workspaceAccess: 'SOME' }, admin)).toMatchObject({
      __typename: 'ValidationError',
      code: 'WORKSPACES_REQUIRED',
      fieldErrors: [{ path: ['input', 'allowedWorkspaces'], code: 'WORKSPACES_REQUIRED' }],
    });
    expect(await create({ ...envInput(), workspaceAccess: 'SOME', allowedWorkspaces: [] }, admin)).toMatchObject({
      code: 'WORKSPACES_REQUIRED',
    });
    const unknown = await create(
      { ...envInput(), workspaceAccess: 'SOME', allowedWorkspaces: [mine, theirs, unknownId('Workspace'), 'not-an-id'] },
      admin,
    );
    expect(unknown).toMatchObject({ __typename: 'ValidationError', code: 'UNKNOWN_WORKSPACE' });
    if (unknown.__typename !== 'ValidationError') throw new Error('unreachable');
    expect(unknown.fieldErrors).toEqual([
      { path: ['input', 'allowedWorkspaces', '1'], code: 'UNKNOWN_WORKSPACE' },
      { path: ['input', 'allowedWorkspaces', '2'], code: 'UNKNOWN_WORKSPACE' },
      { path: ['input', 'allowedWorkspaces', '3'], code: 'UNKNOWN_WORKSPACE' },
    ]);
    // The id of a secret (another type of node) names no workspace either.
    const secretId = await createOk(envInput(), admin);
    expect(await create({ ...envInput(), workspaceAccess: 'SOME', allowedWorkspaces: [secretId] }, admin)).toMatchObject({
      fieldErrors: [{ path: ['input', 'allowedWorkspaces', '0'], code: 'UNKNOWN_WORKSPACE' }],
    });
  });

  test('SOME keeps the list (duplicates once); ALL and NONE ignore allowedWorkspaces, even bad ids', async () => {
    const w1 = await createWorkspaceOk();
    const some = await createOk({ ...envInput(), workspaceAccess: 'SOME', allowedWorkspaces: [w1, w1] }, admin);
    expect(await allowedOf(some)).toEqual({ workspaceAccess: 'SOME', allowed: [w1] });
    const none = await createOk({ ...envInput(), workspaceAccess: 'NONE', allowedWorkspaces: [w1, 'garbage'] }, admin);
    expect(await allowedOf(none)).toEqual({ workspaceAccess: 'NONE', allowed: [] });
    const all = await createOk({ ...envInput(), workspaceAccess: 'ALL', allowedWorkspaces: [unknownId('Workspace')] }, admin);
    expect(await allowedOf(all)).toEqual({ workspaceAccess: 'ALL', allowed: [] });
  });

  test('availableSecrets: ALL, and SOME listing the workspace; never NONE nor SOME listing others', async () => {
    const w1 = await createWorkspaceOk();
    const w2 = await createWorkspaceOk();
    const all = await createOk(envInput(), admin);
    const someW1 = await createOk({ ...envInput(), workspaceAccess: 'SOME', allowedWorkspaces: [w1] }, admin);
    const someW2 = await createOk({ ...envInput(), workspaceAccess: 'SOME', allowedWorkspaces: [w2] }, admin);
    const someBoth = await createOk({ ...envInput(), workspaceAccess: 'SOME', allowedWorkspaces: [w1, w2] }, admin);
    const none = await createOk({ ...envInput(), workspaceAccess: 'NONE' }, admin);

    const inW1 = await available(w1);
    expect(inW1).toEqual(expect.arrayContaining([all, someW1, someBoth]));
    expect(inW1).not.toContain(someW2);
    expect(inW1).not.toContain(none);
    const inW2 = await available(w2);
    expect(inW2).toEqual(expect.arrayContaining([all, someW2, someBoth]));
    expect(inW2).not.toContain(someW1);
    expect(inW2).not.toContain(none);
    // Every ALL secret of the team is available, and nothing else of the list is NONE.
    const node = (await executeOk(t.app, SharingTeamSecrets, { teamId: team.teamId }, admin.token)).team!.secrets.edges.map(
      (edge) => edge.node,
    );
    const expected = node
      .filter((secret) => secret.workspaceAccess === 'ALL' || secret.allowedWorkspaces.some((w) => w.id === w1))
      .map((secret) => secret.id);
    expect([...inW1].sort()).toEqual([...expected].sort());
  });

  test('availableSecrets respects visibility: another member’s PRIVATE secret is listed for OWNER/ADMIN (without keys), not for OPERATOR/VIEWER', async () => {
    const w = await createWorkspaceOk();
    // A slug of its own, so that the other tests' ALL secrets (available everywhere) stay out of the lists.
    const serviceSlug = uniqueName('private-svc');
    const privateId = await createOk(
      { ...envInput(), serviceSlug, shared: false, workspaceAccess: 'SOME', allowedWorkspaces: [w] },
      operator,
    );
    expect(await available(w, operator, { serviceSlug })).toEqual([privateId]);
    expect(await available(w, operator)).toContain(privateId);
    for (const as of [owner, admin]) expect(await available(w, as, { serviceSlug }), as.name).toEqual([privateId]);
    const keys = (await executeOk(t.app, SharingAvailableSecrets, { id: w, filter: { serviceSlug } }, admin.token)).node;
    expect(keys).toMatchObject({ availableSecrets: { edges: [{ node: { id: privateId, envVarKeys: null } }] } });
    for (const as of [otherOperator, viewer]) {
      expect(await available(w, as, { serviceSlug }), as.name).toEqual([]);
      expect(await available(w, as), as.name).not.toContain(privateId);
    }
  });

  test('updates: SOME ↔ ALL / NONE; UNKNOWN_WORKSPACE and WORKSPACES_REQUIRED change nothing', async () => {
    const w1 = await createWorkspaceOk();
    const w2 = await createWorkspaceOk();
    const theirs = await createWorkspaceOk(uniqueName('theirs'), outsider, other.teamId);
    const id = await createOk(envInput(), admin);

    expect(await update({ id, workspaceAccess: 'SOME', allowedWorkspaces: [w2, w1] }, admin)).toMatchObject({
      __typename: 'UpdateSecretSuccess',
      secret: { version: 2 },
    });
    expect((await allowedOf(id)).allowed.sort()).toEqual([w1, w2].sort());
    expect(await available(w1)).toContain(id);

    expect(await update({ id, workspaceAccess: 'SOME' }, admin)).toMatchObject({
      code: 'WORKSPACES_REQUIRED',
      fieldErrors: [{ path: ['input', 'allowedWorkspaces'] }],
    });
    expect(await update({ id, workspaceAccess: 'SOME', allowedWorkspaces: [w1, theirs] }, admin)).toMatchObject({
      code: 'UNKNOWN_WORKSPACE',
      fieldErrors: [{ path: ['input', 'allowedWorkspaces', '1'], code: 'UNKNOWN_WORKSPACE' }],
    });
    expect(await versionOf(id)).toBe(2);
    expect((await allowedOf(id)).allowed.sort()).toEqual([w1, w2].sort());

    expect(await update({ id, workspaceAccess: 'SOME', allowedWorkspaces: [w2] }, admin)).toMatchObject({ secret: { version: 3 } });
    expect(await allowedOf(id)).toEqual({ workspaceAccess: 'SOME', allowed: [w2] });
    expect(await available(w1)).not.toContain(id);

    expect(await update({ id, workspaceAccess: 'NONE', allowedWorkspaces: [w1] }, admin)).toMatchObject({ secret: { version: 4 } });
    expect(await allowedOf(id)).toEqual({ workspaceAccess: 'NONE', allowed: [] });
    expect(await available(w2)).not.toContain(id);

    expect(await update({ id, workspaceAccess: 'ALL' }, admin)).toMatchObject({ secret: { version: 5 } });
    expect(await available(w1)).toContain(id);
    expect(await available(w2)).toContain(id);
  });

  test('deleting a workspace removes it from every secret’s allowedWorkspaces', async () => {
    const w1 = await createWorkspaceOk();
    const w2 = await createWorkspaceOk();
    const both = await createOk({ ...envInput(), workspaceAccess: 'SOME', allowedWorkspaces: [w1, w2] }, admin);
    const onlyW1 = await createOk({ ...envInput(), workspaceAccess: 'SOME', allowedWorkspaces: [w1] }, admin);
    const deleted = await executeOk(t.app, DeleteWorkspace, { input: { id: w1 } }, admin.token);
    expect(deleted.deleteWorkspace).toMatchObject({ __typename: 'DeleteWorkspaceSuccess' });
    expect(await allowedOf(both)).toEqual({ workspaceAccess: 'SOME', allowed: [w2] });
    expect((await allowedOf(onlyW1)).allowed).toEqual([]);
    expect(await available(w2)).toContain(both);
    expect(await available(w2)).not.toContain(onlyW1);
    expect((await executeOk(t.app, SharingAvailableSecrets, { id: w1 }, admin.token)).node).toBeNull();
  });
});

describe('PRIVATE secrets and locations', () => {
  test('a location cannot use a PRIVATE secret, and a secret with locations cannot go PRIVATE (SECRET_NOT_SHARED)', async () => {
    const t2 = await startTestApp();
    try {
      const own = await createTeamWithOwner(t2.db);
      const create = (shared: boolean) =>
        executeOk(
          t2.app,
          CreateSecret,
          {
            input: { teamId: own.teamId, name: `s3-${shared}`, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() }, shared },
          },
          own.ownerToken,
        );
      const privateSecret = await create(false);
      const teamSecret = await create(true);
      if (privateSecret.createSecret.__typename !== 'CreateSecretSuccess' || teamSecret.createSecret.__typename !== 'CreateSecretSuccess')
        throw new Error('setup');
      const link = (secretId: string, name: string) =>
        executeOk(
          t2.app,
          CreateLocation,
          { input: { teamId: own.teamId, name, locationType: 'S3', secretId, bucketName: 'b' } },
          own.ownerToken,
        );
      expect((await link(privateSecret.createSecret.secret.id, 'to-private')).createLocation).toMatchObject({ code: 'SECRET_NOT_SHARED' });
      expect((await link(teamSecret.createSecret.secret.id, 'to-team')).createLocation.__typename).toBe('CreateLocationSuccess');
      const unshare = await executeOk(
        t2.app,
        UpdateSecret,
        { input: { id: teamSecret.createSecret.secret.id, shared: false } },
        own.ownerToken,
      );
      expect(unshare.updateSecret).toMatchObject({ code: 'SECRET_NOT_SHARED', fieldErrors: [{ path: ['input', 'shared'] }] });
    } finally {
      await t2.close();
    }
  });
});
