import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { buildSchema, isObjectType, parse } from 'graphql';
import { beforeAll, describe, expect, test } from 'vitest';
import { addMember, createTeamWithOwner, execute } from '../helpers/app.ts';
import { fixtures, useTestApp } from '../helpers/fixtures.ts';

/**
 * Every connection pages backward (`last`/`before`) over exactly the rows it pages forward
 * (`first`/`after`), in the same order, with pageInfo true at both ends. The table below names
 * every connection of the schema; a test fails when one is added without an entry.
 */

type Connection = {
  edges: { cursor: string; node: { __typename: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};
type PageVariables = { first?: number; after?: string; last?: number; before?: string };

/** Where a connection hangs: under `team(id)`, a node by id, or `viewer`. */
type Parent = 'team' | 'secret' | 'workspace' | 'webhook' | 'viewer';

interface ListCase {
  parent: Parent;
  field: string;
  /** Literal arguments beyond the paging ones (an order). */
  extra?: string;
}

const PAGE_SELECTION = 'edges { cursor node { __typename } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

const PARENT_TYPE = {
  team: 'Team',
  secret: 'Secret',
  workspace: 'Workspace',
  webhook: 'Webhook',
  viewer: 'Viewer',
} as const satisfies Record<Parent, string>;

/** Every connection of the schema, by where it hangs. */
const CONNECTIONS = {
  team: ['secrets', 'locations', 'vaultConnections', 'workspaces', 'members', 'invitations', 'auditEvents', 'webhooks'],
  secret: ['locations', 'versions'],
  workspace: ['availableSecrets'],
  webhook: ['deliveries'],
  viewer: ['apiTokens', 'invitations'],
} as const satisfies Record<Parent, readonly string[]>;

type ConnectionName = { [P in Parent]: `${(typeof PARENT_TYPE)[P]}.${(typeof CONNECTIONS)[P][number]}` }[Parent];

/** The orders, besides the default, that a connection is paged in too. */
const ORDERS: Partial<Record<ConnectionName, `${'NAME' | 'CREATED_AT'} ${'ASC' | 'DESC'}`[]>> = {
  'Team.secrets': ['NAME DESC', 'CREATED_AT ASC', 'CREATED_AT DESC'],
  'Team.locations': ['CREATED_AT DESC'],
};

/** One case per connection and order, named `Type.field` (and the order). */
const CASES: Record<string, ListCase> = Object.fromEntries(
  (Object.entries(CONNECTIONS) as [Parent, readonly string[]][]).flatMap(([parent, fields]) =>
    fields.flatMap((field) => {
      const name = `${PARENT_TYPE[parent]}.${field}` as ConnectionName;
      const ordered = (ORDERS[name] ?? []).map((order) => {
        const [orderField, direction] = order.split(' ');
        return [`${name} ${order}`, { parent, field, extra: `orderBy: { field: ${orderField}, direction: ${direction} }` }];
      });
      return [[name, { parent, field }], ...ordered];
    }),
  ),
);

function listDocument({ parent, field, extra }: ListCase): TypedDocumentNode<Record<string, unknown>, PageVariables & { id?: string }> {
  const args = `first: $first, after: $after, last: $last, before: $before${extra ? `, ${extra}` : ''}`;
  const list = `${field}(${args}) { ${PAGE_SELECTION} }`;
  const paging = '$first: Int, $after: String, $last: Int, $before: String';
  const text =
    parent === 'viewer'
      ? `query (${paging}) { viewer { ${list} } }`
      : parent === 'team'
        ? `query ($id: ID!, ${paging}) { team(id: $id) { ${list} } }`
        : `query ($id: ID!, ${paging}) { node(id: $id) { ... on ${PARENT_TYPE[parent]} { ${list} } } }`;
  return parse(text);
}

function connectionOf(data: Record<string, unknown>, { parent, field }: ListCase): Connection {
  const parentObject = (parent === 'viewer' ? data.viewer : parent === 'team' ? data.team : data.node) as Record<string, Connection>;
  return parentObject[field]!;
}

const { t, team } = useTestApp();
/** The user every other team invited, for Viewer.invitations. */
let invitee: { token: string };
const ids: Partial<Record<Parent, string>> = {};
const ITEMS = 5;

async function mutate(document: string, input: Record<string, unknown>, token: string): Promise<Record<string, unknown>> {
  const { body } = await execute(
    t.app,
    parse(document) as TypedDocumentNode<Record<string, Record<string, unknown>>, { input: Record<string, unknown> }>,
    { input },
    token,
  );
  const result = Object.values(body.data ?? {})[0];
  if (body.errors || !result || !String(result.__typename).endsWith('Success')) throw new Error(`${document}: ${JSON.stringify(body)}`);
  return result;
}

function tokenFor({ parent, field }: ListCase): string {
  return parent === 'viewer' && field === 'invitations' ? invitee.token : team.ownerToken;
}

async function page(list: ListCase, variables: PageVariables) {
  return execute(t.app, listDocument(list), { ...(list.parent !== 'viewer' && { id: ids[list.parent] }), ...variables }, tokenFor(list));
}

async function pageOk(list: ListCase, variables: PageVariables): Promise<Connection> {
  const { body } = await page(list, variables);
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
  return connectionOf(body.data, list);
}

/** A page's cursors, in order, after checking that startCursor and endCursor are its first and last. */
function cursorsOf(connection: Connection): string[] {
  const cursors = connection.edges.map((edge) => edge.cursor);
  expect([connection.pageInfo.startCursor, connection.pageInfo.endCursor]).toEqual([cursors[0] ?? null, cursors.at(-1) ?? null]);
  return cursors;
}

beforeAll(async () => {
  ids.team = team.teamId;
  // Webhooks first: every later change of the team queues a delivery to each of them.
  for (let i = 0; i < ITEMS; i++) {
    const created = await mutate(
      'mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { __typename ... on CreateWebhookSuccess { webhook { id } } } }',
      { teamId: team.teamId, url: `https://hooks.example.com/${i}` },
      team.ownerToken,
    );
    ids.webhook ??= (created.webhook as { id: string }).id;
  }
  const secretIds: string[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const name = `${'edcba'[i]}-secret-${i}`;
    const created = await mutate(
      'mutation ($input: CreateSecretInput!) { createSecret(input: $input) { __typename ... on CreateSecretSuccess { secret { id } } } }',
      { teamId: team.teamId, name, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } },
      team.ownerToken,
    );
    secretIds.push((created.secret as { id: string }).id);
  }
  ids.secret = secretIds[0]!;
  for (let i = 1; i < ITEMS; i++) {
    await mutate(
      'mutation ($input: RotateSecretInput!) { rotateSecret(input: $input) { __typename } }',
      { id: ids.secret, credentials: { accessKey: fixtures.accessKey() } },
      team.ownerToken,
    );
  }
  for (let i = 0; i < ITEMS; i++) {
    await mutate(
      'mutation ($input: CreateLocationInput!) { createLocation(input: $input) { __typename } }',
      { teamId: team.teamId, name: `${'BaDcE'[i]}-location`, locationType: 'S3', secretId: ids.secret, bucketName: 'bucket' },
      team.ownerToken,
    );
    await mutate(
      'mutation ($input: CreateVaultConnectionInput!) { createVaultConnection(input: $input) { __typename } }',
      {
        teamId: team.teamId,
        name: `vault-${ITEMS - i}`,
        vaultType: 'ONEPASSWORD',
        credentials: { onePassword: { accessToken: `ops_${randomUUID()}` } },
      },
      team.ownerToken,
    );
    const workspace = await mutate(
      'mutation ($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { __typename ... on CreateWorkspaceSuccess { workspace { id } } } }',
      { teamId: team.teamId, name: `workspace-${i}` },
      team.ownerToken,
    );
    ids.workspace ??= (workspace.workspace as { id: string }).id;
    await mutate(
      'mutation ($input: AddTeamMemberInput!) { addTeamMember(input: $input) { __typename } }',
      { teamId: team.teamId, email: `invited-${randomUUID()}@example.test`, role: 'VIEWER' },
      team.ownerToken,
    );
    if (i > 0) {
      await addMember(t.db, team, 'VIEWER');
      await mutate(
        'mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { __typename } }',
        { name: `token-${i}` },
        team.ownerToken,
      );
    }
  }
  const home = await createTeamWithOwner(t.db);
  const inviteeMember = await addMember(t.db, home, 'VIEWER');
  invitee = inviteeMember;
  for (let i = 0; i < ITEMS; i++) {
    const inviting = await createTeamWithOwner(t.db);
    await mutate(
      'mutation ($input: AddTeamMemberInput!) { addTeamMember(input: $input) { __typename } }',
      { teamId: inviting.teamId, email: inviteeMember.email, role: 'VIEWER' },
      inviting.ownerToken,
    );
  }
}, 120_000);

test('the table names every connection of the schema', () => {
  const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
  const connections = Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .flatMap((type) =>
      Object.values(type.getFields())
        .filter((field) => field.args.some((arg) => arg.name === 'last'))
        .map((field) => `${type.name}.${field.name}`),
    );
  expect(new Set(Object.values(CASES).map((list) => `${PARENT_TYPE[list.parent]}.${list.field}`))).toEqual(new Set(connections));
});

describe.each(Object.entries(CASES))('%s', (_label, list) => {
  test('paging backward from the end reaches exactly the rows of paging forward, in the same order; pageInfo true at both ends', async () => {
    const all = await pageOk(list, { first: 100 });
    expect(all.edges.length, 'the fixture holds enough rows for three pages').toBeGreaterThanOrEqual(ITEMS);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

    const forward: string[] = [];
    let after: string | undefined;
    for (let n = 0; ; n++) {
      const current = await pageOk(list, { first: 2, after });
      // The first page has nothing before it; after a cursor, that cursor's row precedes.
      expect(current.pageInfo.hasPreviousPage, `page ${n}`).toBe(n > 0);
      forward.push(...cursorsOf(current));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor!;
    }
    expect(forward).toEqual(cursorsOf(all));

    const backwardPages: string[][] = [];
    let before: string | undefined;
    for (let n = 0; ; n++) {
      const current = await pageOk(list, { last: 2, before });
      // The last page has nothing after it; before a cursor, that cursor's row follows.
      expect(current.pageInfo.hasNextPage, `page ${n} from the end`).toBe(n > 0);
      backwardPages.unshift(cursorsOf(current));
      if (!current.pageInfo.hasPreviousPage) {
        expect(current.edges.length).toBeGreaterThan(0);
        break;
      }
      expect(current.edges).toHaveLength(2);
      before = current.pageInfo.startCursor!;
    }
    expect(backwardPages.flat()).toEqual(forward);
    // Each backward page is the end of what precedes its cursor, in the list's order.
    expect(backwardPages.at(-1)).toEqual(forward.slice(-2));
  });

  test('last ≤ 100; first with last; a forged before: BAD_USER_INPUT naming the argument, nothing echoed', async () => {
    const forged = Buffer.from(JSON.stringify(["x' or 1=1 --", 'not-a-uuid'])).toString('base64url');
    for (const [variables, message] of [
      [{ last: 101 }, /"last" must be between 0 and 100/],
      [{ last: -1 }, /"last" must be between 0 and 100/],
      [{ first: 2, last: 2 }, /"first" and "last" cannot be used together/],
      [{ last: 2, before: forged }, /"before" is not a cursor issued by this API/],
      [{ before: 'garbage' }, /"before" is not a cursor issued by this API/],
      [{ first: 2, after: forged }, /"after" is not a cursor issued by this API/],
    ] as const) {
      const { status, body } = await page(list, variables);
      const label = JSON.stringify(variables);
      expect(status, label).toBe(200);
      expect(
        body.errors?.map((error) => error.extensions?.code),
        label,
      ).toEqual(['BAD_USER_INPUT']);
      expect(body.errors?.[0]?.message, label).toMatch(message);
      expect(JSON.stringify(body), label).not.toContain(forged);
      expect(JSON.stringify(body), label).not.toContain('garbage');
    }
    expect((await pageOk(list, { last: 100 })).edges.length).toBeGreaterThanOrEqual(ITEMS);
    expect((await pageOk(list, { last: 0 })).pageInfo).toMatchObject({
      hasPreviousPage: true,
      hasNextPage: false,
      startCursor: null,
      endCursor: null,
    });
  });
});

describe('both cursors', () => {
  const list = CASES['Team.secrets']!;
  test('first and last count from either end of the rows between after and before; before alone reads the rows just before it', async () => {
    const cursors = cursorsOf(await pageOk(list, { first: 100 }));
    const between = { after: cursors[0]!, before: cursors[4]! };
    const first = await pageOk(list, { ...between, first: 2 });
    expect(cursorsOf(first)).toEqual(cursors.slice(1, 3));
    expect(first.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const last = await pageOk(list, { ...between, last: 2 });
    expect(cursorsOf(last)).toEqual(cursors.slice(2, 4));
    expect(last.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const all = await pageOk(list, { ...between, last: 3 });
    expect(cursorsOf(all)).toEqual(cursors.slice(1, 4));
    const beforeOnly = await pageOk(list, { before: cursors[3]! });
    expect(cursorsOf(beforeOnly)).toEqual(cursors.slice(0, 3));
    expect(beforeOnly.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
  });
});
