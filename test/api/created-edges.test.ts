import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { addMember, createTeamWithOwner, executeOk } from '../helpers/app.ts';
import { fixtures, uniqueName, useTestApp } from '../helpers/fixtures.ts';

/**
 * Issue 14: every create answers the edge of the connection its object appears in, so Relay's
 * `@appendEdge` can insert it; the edge's cursor is the very cursor that connection's default
 * order gives the object, so paging on from it reads what follows it there.
 */

const { t, team } = useTestApp();

type Data = Record<string, unknown>;
const raw = (query: string) => parse(query) as TypedDocumentNode<Data, Data>;
const run = (query: string, variables: Data, token = team.ownerToken) => executeOk(t.app, raw(query), variables, token) as Promise<Data>;

interface Edge {
  cursor: string;
  node: { id: string };
}
interface Connection {
  edges: Edge[];
}

/** The created object's edge from a create's success payload (named `field`). */
async function created(mutation: string, inputType: string, input: Data, field: string, token = team.ownerToken): Promise<Edge> {
  const data = await run(
    `mutation($input: ${inputType}!) { result: ${mutation}(input: $input) { __typename ... on Error { code message } ... on ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Success { ${field} { cursor node { id } } } } }`,
    { input },
    token,
  );
  const result = data.result as Data & { __typename: string };
  if (!result.__typename.endsWith('Success')) throw new Error(JSON.stringify(result));
  return result[field] as Edge;
}

/** An S3 secret named from `prefix`, through createSecret: its secretEdge. */
const createdSecret = (prefix: string) =>
  created(
    'createSecret',
    'CreateSecretInput',
    { teamId: team.teamId, name: uniqueName(prefix), secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } },
    'secretEdge',
  );

/** The whole list, in its default order. */
async function list(path: string, token = team.ownerToken): Promise<Edge[]> {
  const [root, connection] = path.split('.') as ['team' | 'viewer', string];
  const selection = `${connection}(first: 100) { edges { cursor node { id } } }`;
  const data = await run(
    root === 'team' ? `query($teamId: ID!) { owner: team(id: $teamId) { ${selection} } }` : `{ owner: viewer { ${selection} } }`,
    root === 'team' ? { teamId: team.teamId } : {},
    token,
  );
  return ((data.owner as Data)[connection] as Connection).edges;
}

/** What follows the cursor in the list's default order. */
async function after(path: string, cursor: string, token = team.ownerToken): Promise<string[]> {
  const [root, connection] = path.split('.') as ['team' | 'viewer', string];
  const selection = `${connection}(first: 100, after: $after) { edges { node { id } } }`;
  const data = await run(
    root === 'team'
      ? `query($teamId: ID!, $after: String) { owner: team(id: $teamId) { ${selection} } }`
      : `query($after: String) { owner: viewer { ${selection} } }`,
    root === 'team' ? { teamId: team.teamId, after: cursor } : { after: cursor },
    token,
  );
  return ((data.owner as Data)[connection] as Connection).edges.map((edge) => edge.node.id);
}

/** The edge is the list's own edge of the object, and paging on from it reads the rest of the list. */
async function expectEdgeOfList(edge: Edge, path: string, token = team.ownerToken) {
  const edges = await list(path, token);
  const index = edges.findIndex((listed) => listed.node.id === edge.node.id);
  expect(index, `${path} holds the new object`).toBeGreaterThanOrEqual(0);
  expect(edge.cursor).toBe(edges[index]!.cursor);
  expect(await after(path, edge.cursor, token)).toEqual(edges.slice(index + 1).map((listed) => listed.node.id));
}

describe('create mutations answer their edge', () => {
  test('createSecret: secretEdge of Team.secrets (by name, case-insensitively, accents included)', async () => {
    // Names around the new one, and one whose lower-casing is PostgreSQL's to decide.
    for (const prefix of ['a', 'C', 'Éclair']) await createdSecret(prefix);
    for (const prefix of ['B', 'Ébène']) await expectEdgeOfList(await createdSecret(prefix), 'team.secrets');
  });

  test('createLocation: locationEdge of Team.locations', async () => {
    const secret = await createdSecret('for-locations');
    const input = (prefix: string) => ({
      teamId: team.teamId,
      name: uniqueName(prefix),
      locationType: 'S3',
      secretId: secret.node.id,
      bucketName: 'bucket',
    });
    for (const prefix of ['a', 'c']) await created('createLocation', 'CreateLocationInput', input(prefix), 'locationEdge');
    await expectEdgeOfList(await created('createLocation', 'CreateLocationInput', input('b'), 'locationEdge'), 'team.locations');
  });

  test('createVaultConnection: vaultConnectionEdge of Team.vaultConnections', async () => {
    const input = (prefix: string) => ({
      teamId: team.teamId,
      name: uniqueName(prefix),
      vaultType: 'DOPPLER',
      credentials: { doppler: { accessToken: `dp.st.${randomUUID()}`, project: 'p', config: 'c' } },
    });
    for (const prefix of ['a', 'c'])
      await created('createVaultConnection', 'CreateVaultConnectionInput', input(prefix), 'vaultConnectionEdge');
    await expectEdgeOfList(
      await created('createVaultConnection', 'CreateVaultConnectionInput', input('b'), 'vaultConnectionEdge'),
      'team.vaultConnections',
    );
  });

  test('createWorkspace: workspaceEdge of Team.workspaces', async () => {
    for (const prefix of ['a', 'c'])
      await created('createWorkspace', 'CreateWorkspaceInput', { teamId: team.teamId, name: uniqueName(prefix) }, 'workspaceEdge');
    await expectEdgeOfList(
      await created('createWorkspace', 'CreateWorkspaceInput', { teamId: team.teamId, name: uniqueName('b') }, 'workspaceEdge'),
      'team.workspaces',
    );
  });

  test('createApiToken: apiTokenEdge of Viewer.apiTokens (newest first)', async () => {
    await created('createApiToken', 'CreateApiTokenInput', { name: 'older' }, 'apiTokenEdge');
    await expectEdgeOfList(await created('createApiToken', 'CreateApiTokenInput', { name: 'newest' }, 'apiTokenEdge'), 'viewer.apiTokens');
  });

  test('addTeamMember: invitationEdge of Team.invitations; acceptTeamInvitation: membershipEdge of Team.members', async () => {
    // An invitee who is a user already: a member of a team of their own, with a token.
    const invitee = await addMember(t.db, await createTeamWithOwner(t.db), 'VIEWER');
    await created(
      'addTeamMember',
      'AddTeamMemberInput',
      { teamId: team.teamId, email: `${uniqueName('first')}@example.test`, role: 'VIEWER' },
      'invitationEdge',
    );
    const invitation = await created(
      'addTeamMember',
      'AddTeamMemberInput',
      { teamId: team.teamId, email: invitee.email, role: 'VIEWER' },
      'invitationEdge',
    );
    await created(
      'addTeamMember',
      'AddTeamMemberInput',
      { teamId: team.teamId, email: `${uniqueName('last')}@example.test`, role: 'VIEWER' },
      'invitationEdge',
    );
    await expectEdgeOfList(invitation, 'team.invitations');

    const membership = await created(
      'acceptTeamInvitation',
      'AcceptTeamInvitationInput',
      { id: invitation.node.id },
      'membershipEdge',
      invitee.token,
    );
    await expectEdgeOfList(membership, 'team.members');
  });
});
