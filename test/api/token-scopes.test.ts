import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  getNamedType,
  isAbstractType,
  isEnumType,
  isObjectType,
  parse,
  type ExecutionResult,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from 'graphql';
import { sql } from 'kysely';
import { beforeAll, describe, expect, test } from 'vitest';
import { TOKEN_SCOPES } from '../../src/modules/auth/permissions.ts';
import { schema } from '../../src/graphql/schema.ts';
import { graphql } from '../gql/index.ts';
import type { TokenScope } from '../gql/graphql.ts';
import { addMember, createTeamWithOwner, execute, executeOk, type TestTeam } from '../helpers/app.ts';
import { CreateApiToken, CreateLocation, CreateSecret, CreateTeam, NodeById, UpdateSecret, UpdateTeam } from '../helpers/documents.ts';
import { createS3Location, createS3Secret, fixtures, useTestApp } from '../helpers/fixtures.ts';
import { createVaultConnection, s3FieldMappings } from '../helpers/scenarios.ts';
import { registerPlaintext } from '../helpers/harness-checks.ts';

const ListSecrets = graphql(`
  query ScopedListSecrets($teamId: ID!) {
    team(id: $teamId) {
      secrets(first: 5) {
        edges {
          node {
            id
          }
        }
      }
    }
  }
`);

const { t, team } = useTestApp();

async function scopedToken(scopes: TokenScope[] | null, userToken = team.ownerToken) {
  const data = await executeOk(t.app, CreateApiToken, { input: { name: 'scoped', scopes } }, userToken);
  if (data.createApiToken.__typename !== 'CreateApiTokenSuccess') throw new Error(JSON.stringify(data));
  return data.createApiToken;
}

const newSecret = (token: string, name: string) =>
  executeOk(
    t.app,
    CreateSecret,
    { input: { teamId: team.teamId, name, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } } },
    token,
  );

describe('scoped tokens', () => {
  test('a token shows its scopes; an unscoped one shows null', async () => {
    expect((await scopedToken(['SECRETS_READ', 'LOCATIONS_WRITE'])).apiToken.scopes).toEqual(['SECRETS_READ', 'LOCATIONS_WRITE']);
    expect((await scopedToken(null)).apiToken.scopes).toBeNull();
  });

  test('secrets:read reads secrets but cannot write them, nor locations, nor the team', async () => {
    const { token } = await scopedToken(['SECRETS_READ']);
    expect((await execute(t.app, ListSecrets, { teamId: team.teamId }, token)).body.errors).toBeUndefined();
    expect((await newSecret(token, 'scoped-read')).createSecret).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await executeOk(t.app, UpdateTeam, { input: { id: team.teamId, name: 'x' } }, token)).updateTeam).toMatchObject({
      __typename: 'ForbiddenError',
    });
  });

  test('secrets:write includes secrets:read; locations need their own scope', async () => {
    const { token } = await scopedToken(['SECRETS_WRITE']);
    expect((await execute(t.app, ListSecrets, { teamId: team.teamId }, token)).body.errors).toBeUndefined();
    const created = await newSecret(token, 'scoped-write');
    if (created.createSecret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
    const location = await executeOk(
      t.app,
      CreateLocation,
      { input: { teamId: team.teamId, name: 'scoped-loc', locationType: 'S3', secretId: created.createSecret.secret.id, bucketName: 'b' } },
      token,
    );
    expect(location.createLocation).toMatchObject({ __typename: 'ForbiddenError' });
  });

  test('scopes never widen a role: a VIEWER’s secrets:write token still cannot write', async () => {
    const viewer = await addMember(t.db, team, 'VIEWER');
    const { token } = await scopedToken(['SECRETS_WRITE'], viewer.token);
    expect((await newSecret(token, 'viewer-write')).createSecret).toMatchObject({ __typename: 'ForbiddenError' });
  });

  test('a scoped token cannot mint tokens or create teams (it could widen itself)', async () => {
    const { token } = await scopedToken(['TEAM_ADMIN', 'SECRETS_WRITE']);
    expect((await executeOk(t.app, CreateApiToken, { input: { name: 'wider' } }, token)).createApiToken).toEqual({
      __typename: 'ForbiddenError',
      code: 'FORBIDDEN',
      message: expect.any(String),
    });
    expect((await executeOk(t.app, CreateTeam, { input: { name: 'Escape' } }, token)).createTeam).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect(
      (await executeOk(t.app, UpdateTeam, { input: { id: team.teamId, name: 'Renamed by team:admin' } }, token)).updateTeam,
    ).toMatchObject({ __typename: 'UpdateTeamSuccess' });
  });
});

const LocationWithSecret = graphql(`
  query ScopedLocationWithSecret($id: ID!) {
    node(id: $id) {
      ... on Location {
        name
        secretId
        secret {
          name
        }
      }
    }
  }
`);

describe('objects of a type the token does not cover', () => {
  test('a locations:read token reads a location, not its secret: `secret` is null, `secretId` names it', async () => {
    const created = await newSecret(team.ownerToken, 'behind-a-location');
    if (created.createSecret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
    const secretId = created.createSecret.secret.id;
    const location = await executeOk(
      t.app,
      CreateLocation,
      { input: { teamId: team.teamId, name: 'scoped-bucket', locationType: 'S3', secretId, bucketName: 'b' } },
      team.ownerToken,
    );
    if (location.createLocation.__typename !== 'CreateLocationSuccess') throw new Error(JSON.stringify(location));
    const { token } = await scopedToken(['LOCATIONS_READ']);
    const read = await executeOk(t.app, LocationWithSecret, { id: location.createLocation.location.id }, token);
    expect(read.node).toEqual({ name: 'scoped-bucket', secretId, secret: null });
    const both = await scopedToken(['LOCATIONS_READ', 'SECRETS_READ']);
    expect((await executeOk(t.app, LocationWithSecret, { id: location.createLocation.location.id }, both.token)).node).toMatchObject({
      secret: { name: 'behind-a-location' },
    });
  });

  test('changing one is still FORBIDDEN (not NOT_FOUND), and the refusal is recorded as DENIED', async () => {
    const created = await newSecret(team.ownerToken, 'not-for-locations');
    if (created.createSecret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
    const { token } = await scopedToken(['LOCATIONS_WRITE']);
    const denials = async () =>
      (await t.db.selectFrom('audit_events').select('id').where('outcome', '=', 'DENIED').where('action', '=', 'secret:write').execute())
        .length;
    const before = await denials();
    const res = await executeOk(t.app, UpdateSecret, { input: { id: created.createSecret.secret.id, description: 'x' } }, token);
    expect(res.updateSecret).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(await denials()).toBe(before + 1);
  });
});

const TwoSecretsWithAuditTrail = graphql(`
  mutation ScopedTwoSecretsWithAuditTrail($first: CreateSecretInput!, $second: CreateSecretInput!) {
    first: createSecret(input: $first) {
      __typename
      ... on CreateSecretSuccess {
        secret {
          id
          team {
            auditEvents(first: 1) {
              edges {
                node {
                  id
                }
              }
            }
          }
        }
      }
    }
    second: createSecret(input: $second) {
      __typename
      ... on CreateSecretSuccess {
        secret {
          name
        }
      }
    }
  }
`);

describe('a mutation that succeeded never looks failed', () => {
  test('a refused nested field nulls only its own mutation: the rest of the operation stays visible, and the change is made', async () => {
    // secrets:write creates secrets, but the audit trail needs team:admin: `first`'s nested field is refused.
    const { token } = await scopedToken(['SECRETS_WRITE']);
    const input = (name: string) => ({
      teamId: team.teamId,
      name,
      secretType: 'S3' as const,
      credentials: { accessKey: fixtures.accessKey() },
    });
    const { status, body } = await execute(
      t.app,
      TwoSecretsWithAuditTrail,
      { first: input('nested-refusal-first'), second: input('nested-refusal-second') },
      token,
    );
    expect(status).toBe(200);
    expect(body.errors).toMatchObject([{ extensions: { code: 'FORBIDDEN' }, path: ['first', 'secret', 'team', 'auditEvents'] }]);
    expect(body.data).toEqual({ first: null, second: { __typename: 'CreateSecretSuccess', secret: { name: 'nested-refusal-second' } } });
    const stored = await t.db
      .selectFrom('secrets')
      .select('name')
      .where('name', 'in', ['nested-refusal-first', 'nested-refusal-second'])
      .execute();
    expect(stored.map((row) => row.name).sort()).toEqual(['nested-refusal-first', 'nested-refusal-second']);
  });
});

describe('an empty scope list', () => {
  test('is refused at createApiToken (SCOPES_EMPTY), and no token is made', async () => {
    const before = await t.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const res = await executeOk(t.app, CreateApiToken, { input: { name: 'empty', scopes: [] } }, team.ownerToken);
    expect(res.createApiToken).toEqual({
      __typename: 'ValidationError',
      code: 'SCOPES_EMPTY',
      message: expect.any(String),
      fieldErrors: expect.any(Array),
    });
    const after = await t.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  test('a stored empty-scoped token (made before the rule) reads the team and nothing in it: not even through node()', async () => {
    const created = await newSecret(team.ownerToken, 'empty-scope-target');
    if (created.createSecret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
    const token = await storedEmptyScopedToken();
    const node = await executeOk(t.app, NodeById, { id: created.createSecret.secret.id }, token);
    expect(node.node).toBeNull();
    const list = await execute(t.app, ListSecrets, { teamId: team.teamId }, token);
    expect(list.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

/** A token with `scopes = '{}'`, as an older server could store one (creating one is refused now). */
async function storedEmptyScopedToken(userToken = team.ownerToken): Promise<string> {
  const { token } = await scopedToken(['SECRETS_READ'], userToken);
  const lookupId = token.split('_')[1]!;
  // Before its first use: authenticate() caches live tokens for two seconds.
  const updated = await sql`update api_tokens set scopes = '{}' where scopes = '{secrets:read}' and lookup_id = ${lookupId}`.execute(t.db);
  if (updated.numAffectedRows !== 1n) throw new Error(`expected one token row for ${lookupId}, updated ${updated.numAffectedRows}`);
  return token;
}

/**
 * The scope model, as README's Security section states it: the scope a token needs to see an
 * object of each type (a write scope includes its read). Written here, apart from
 * src/modules/auth/permissions.ts, so that a change of either shows up; every object type of
 * the schema must be classified here or be structural, so a new type fails until it is.
 */
const SCOPE_OF_TYPE: Record<string, 'secrets:read' | 'locations:read' | 'team:admin' | 'any'> = {
  Team: 'any',
  Membership: 'any',
  User: 'any',
  Viewer: 'any',
  Workspace: 'any',
  ApiToken: 'any',
  SecretPreset: 'any',
  Secret: 'secrets:read',
  SecretVersion: 'secrets:read',
  CredentialField: 'secrets:read',
  FieldMapping: 'secrets:read',
  SecretRotationPolicy: 'secrets:read',
  VaultConnection: 'secrets:read',
  Location: 'locations:read',
  // A version's summary over its locations is counts (as Secret.locationCount); the verifications themselves are the locations'.
  SecretVersionVerification: 'secrets:read',
  LocationVerification: 'locations:read',
  VerificationCheck: 'locations:read',
  AuditEvent: 'team:admin',
  // The team's pending invitations (Team.invitations). The viewer's own (viewer.invitations) are
  // any token's to see; the walk's owner has none, so the walk checks the team's side.
  TeamInvitation: 'team:admin',
  Webhook: 'team:admin',
  WebhookDelivery: 'team:admin',
  // Queries reach events only through a webhook's deliveries. On `Subscription.teamEvents` (which
  // this walk does not take) each event reaches the tokens that may read its target's type
  // (events.service.ts `mayReceive`; test/api/team-events.test.ts).
  TeamEvent: 'team:admin',
};

/** Types that hold no data of their own: roots, connections and edges, mutation payloads and errors. */
function isStructural(type: GraphQLObjectType): boolean {
  const fields = type.getFields();
  if (['Query', 'Mutation', 'Subscription', 'PageInfo', 'FieldError'].includes(type.name)) return true;
  if (('edges' in fields && 'pageInfo' in fields) || ('node' in fields && 'cursor' in fields)) return true;
  if (type.getInterfaces().some((i) => i.name === 'Error')) return true;
  // Mutation payloads: `<Name>Success`, a member of a `<Name>Result` union.
  return (
    type.name.endsWith('Success') &&
    Object.values(schema.getTypeMap()).some(
      (other) => isAbstractType(other) && other.name.endsWith('Result') && schema.isSubType(other, type),
    )
  );
}

const dataTypes = Object.values(schema.getTypeMap()).filter(
  (type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__') && !isStructural(type),
);

function allowedTypes(scopes: readonly string[] | null): string[] {
  const covers = (scope: string) =>
    scopes === null || scopes.includes(scope) || (scope.endsWith(':read') && scopes.includes(scope.replace(/:read$/, ':write')));
  return Object.entries(SCOPE_OF_TYPE)
    .filter(([, scope]) => scope === 'any' || covers(scope))
    .map(([type]) => type)
    .sort();
}

/** How far a walk goes: at most this many data objects on one path (connections and edges are free), none twice. */
const MAX_DATA_DEPTH = 4;

interface WalkContext {
  team: TestTeam;
  secretName: string;
}

/** Arguments a walked field gets; a field with a required argument the walk cannot fill fails the test (so it gets walked). */
function argumentsOf(owner: GraphQLNamedType, field: GraphQLField<unknown, unknown>, walk: WalkContext, depth: number): string {
  const args: string[] = [];
  for (const arg of field.args) {
    // Pages of 3 at the entry, 1 further down: the walk team has one of each link, and the query stays under the complexity limit.
    if (arg.name === 'first') args.push(`first: ${depth <= 1 ? 3 : 1}`);
    else if (owner.name === 'Team' && field.name === 'secretByName' && arg.name === 'name')
      args.push(`name: ${JSON.stringify(walk.secretName)}`);
    else if (arg.type.toString().endsWith('!'))
      throw new Error(`the scope walk cannot fill ${owner.name}.${field.name}(${arg.name}): teach argumentsOf`);
  }
  return args.length ? `(${args.join(', ')})` : '';
}

/** A selection of every object-typed field (and every ID, to walk `node()` with later), recursively, with `__typename` on every object. */
function selectionOf(
  type: GraphQLNamedType,
  path: readonly string[],
  walk: WalkContext,
  onlyField?: string,
  maxDepth = MAX_DATA_DEPTH,
): string {
  if (isAbstractType(type)) {
    return `{ __typename ${schema
      .getPossibleTypes(type)
      .map((member) => `... on ${member.name} ${selectionOf(member, [...path, member.name], walk, undefined, maxDepth)}`)
      .join(' ')} }`;
  }
  if (!isObjectType(type)) return '';
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (onlyField && field.name !== onlyField) continue;
    const named = getNamedType(field.type);
    if (named.name === 'ID') {
      if (!field.args.some((arg) => arg.type.toString().endsWith('!'))) parts.push(field.name);
      continue;
    }
    if (!isObjectType(named) && !isAbstractType(named)) continue;
    const structural = isObjectType(named) && isStructural(named);
    if (!structural && (path.length >= maxDepth || (isObjectType(named) && path.includes(named.name)))) continue;
    parts.push(
      `${field.name}${argumentsOf(type, field, walk, path.length)} ${selectionOf(named, structural || !isObjectType(named) ? path : [...path, named.name], walk, undefined, maxDepth)}`,
    );
  }
  return `{ ${parts.join(' ')} }`;
}

const raw = (query: string) => parse(query) as TypedDocumentNode<Record<string, unknown>, Record<string, unknown>>;

/** The entry points, each object field of `team` and `viewer` on its own (a refused list must not hide the others). */
function entryQueries(walk: WalkContext): string[] {
  const queries: string[] = [];
  for (const [entry, variables, typeName] of [
    ['team(id: $teamId)', '($teamId: ID!)', 'Team'],
    ['viewer', '', 'Viewer'],
  ] as const) {
    // The entry's own id (the Viewer id is of its own type), for node() later.
    queries.push(`query${variables} { ${entry} { __typename id } }`);
    const type = schema.getType(typeName) as GraphQLObjectType;
    for (const field of Object.values(type.getFields())) {
      const named = getNamedType(field.type);
      if (!isObjectType(named) && !isAbstractType(named)) continue;
      queries.push(`query${variables} { ${entry} ${selectionOf(type, [typeName], walk, field.name)} }`);
    }
  }
  for (const field of Object.values(schema.getQueryType()!.getFields())) {
    if (['team', 'viewer', 'node', 'nodes'].includes(field.name)) continue;
    // Any other root field must be walkable without arguments (secretPresets); teach this walk otherwise.
    const named = getNamedType(field.type);
    if (isObjectType(named) || isAbstractType(named))
      queries.push(`{ ${field.name}${argumentsOf(schema.getQueryType()!, field, walk, 0)} ${selectionOf(named, [named.name], walk)} }`);
  }
  return queries;
}

const nodeTypes = schema.getPossibleTypes(schema.getType('Node') as never).map((type) => type.name);

/** The type inside a global id (base64 of `Type:uuid`). */
const typeOfId = (id: string) => Buffer.from(id, 'base64').toString('utf8').split(':')[0]!;

/** What to select on `nodes()` for ids of `type`: all of that type, less deep than `node()` (it weighs ten times). */
function nodeSelection(type: string, walk: WalkContext, maxDepth: number): string {
  return nodeTypes.includes(type)
    ? `{ __typename ... on ${type} ${selectionOf(schema.getType(type)!, [type], walk, undefined, maxDepth)} }`
    : '{ __typename }';
}

/** What to select on `node()` for an id of `type`: the whole walk depth, one object field per query (all at once exceeds the breadth limit). */
function nodeSelectionsByField(type: string, walk: WalkContext): string[] {
  const objectType = schema.getType(type) as GraphQLObjectType;
  const fields = Object.values(objectType.getFields()).filter(
    (field) => isObjectType(getNamedType(field.type)) || isAbstractType(getNamedType(field.type)),
  );
  return [
    `{ __typename ... on ${type} { __typename id } }`,
    ...fields.map((field) => `{ __typename ... on ${type} ${selectionOf(objectType, [type], walk, field.name)} }`),
  ];
}

interface Walked {
  typenames: Set<string>;
  ids: Set<string>;
  errors: unknown[];
}

function collect(value: unknown, into: Walked, idFields: Set<string>): void {
  if (Array.isArray(value)) value.forEach((item) => collect(item, into, idFields));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '__typename' && typeof inner === 'string') into.typenames.add(inner);
      else if (idFields.has(key) && typeof inner === 'string') into.ids.add(inner);
      else collect(inner, into, idFields);
    }
  }
}

const ID_FIELDS = new Set(
  Object.values(schema.getTypeMap()).flatMap((type) =>
    isObjectType(type)
      ? Object.values(type.getFields())
          .filter((f) => getNamedType(f.type).name === 'ID')
          .map((f) => f.name)
      : [],
  ),
);

/** Every entry point with `token`, then `node(id)` for each id in `ids` and `nodes(ids)` for all of them. */
async function walkAll(token: string, walk: WalkContext, ids: readonly string[]): Promise<Walked> {
  // node() of a type that is not a Node (TeamInvitation, an audit target) is NOT_FOUND for everyone, not a scope question.
  const nodeIds = ids.filter((id) => nodeTypes.includes(typeOfId(id)));
  const walked: Walked = { typenames: new Set(), ids: new Set(), errors: [] };
  const send = async (query: string, variables: Record<string, unknown>) => {
    const { status, body } = await execute(t.app, raw(query), variables, token);
    expect(status, query).toBe(200);
    collect(body.data, walked, ID_FIELDS);
    walked.errors.push(...((body as ExecutionResult).errors ?? []));
  };
  for (const query of entryQueries(walk)) await send(query, { teamId: walk.team.teamId });
  for (const id of nodeIds)
    for (const selection of nodeSelectionsByField(typeOfId(id), walk)) await send(`query($id: ID!) { node(id: $id) ${selection} }`, { id });
  for (const [type, group] of Map.groupBy(nodeIds, typeOfId))
    await send(`query($ids: [ID!]!) { nodes(ids: $ids) ${nodeSelection(type, walk, 2)} }`, { ids: group });
  await send('query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }', { ids: nodeIds });
  return walked;
}

const ok = async (query: string, variables: Record<string, unknown>, token: string) => {
  const data = await executeOk(t.app, raw(query), variables, token);
  const result = Object.values(data)[0] as Record<string, unknown> & { __typename: string };
  if (!result.__typename.endsWith('Success')) throw new Error(`${query}: ${JSON.stringify(result)}`);
  return result;
};

describe('scopes hold on every path (the walk)', () => {
  // A team of its own, holding only the walk's objects.
  const walk = { secretName: 'walk-s3' } as WalkContext;
  /** Every id the unscoped walk saw, and every audit event's target: node() is tried with each. */
  let everyId: string[] = [];

  beforeAll(async () => {
    walk.team = await createTeamWithOwner(t.db);
    const owner = walk.team.ownerToken;
    // One object of every type, linked every way: a vault connection and an EXTERNAL_VAULT secret
    // (FieldMapping), a NATIVE secret with a location and a rotation policy (CredentialField,
    // SecretRotationPolicy, versions) and a verification of that location, a workspace and an ENV secret available in it, a pending
    // invitation, all of it audited.
    const vault = await createVaultConnection(t.app, walk.team, { name: 'walk-vault', vaultType: 'DOPPLER' });
    await createS3Secret(t.app, walk.team, {
      name: 'walk-vaulted',
      credentials: null,
      vaultConnectionId: vault.id,
      fieldMappings: s3FieldMappings('DOPPLER'),
    });
    const secretId = (await createS3Secret(t.app, walk.team, { name: walk.secretName, rotationPolicy: { everyDays: 90 } })).id;
    await createS3Location(t.app, walk.team, secretId, {
      name: 'walk-location',
      bucketName: 'walk-bucket',
      // A private address: its verification fails at once (ENDPOINT_NOT_ALLOWED) and is stored (LocationVerification).
      endpointUrl: 'https://10.0.0.1',
    });
    await ok(
      'mutation($input: VerifySecretInput!) { verifySecret(input: $input) { __typename ... on VerifySecretSuccess { allPassed } } }',
      { input: { id: secretId, mode: 'READ_ONLY' } },
      owner,
    );
    const workspace = await ok(
      'mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { __typename ... on CreateWorkspaceSuccess { workspace { id } } } }',
      {
        input: { teamId: walk.team.teamId, name: 'walk-workspace' },
      },
      owner,
    );
    const value = `sk-${randomHex()}`;
    registerPlaintext(value);
    await ok(
      'mutation($input: CreateSecretInput!) { createSecret(input: $input) { __typename } }',
      {
        input: {
          teamId: walk.team.teamId,
          name: 'walk-env',
          secretType: 'ENV',
          credentials: { envVars: [{ key: 'API_KEY', value }] },
          workspaceAccess: 'SOME',
          allowedWorkspaces: [(workspace.workspace as { id: string }).id],
        },
      },
      owner,
    );

    await ok(
      'mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { __typename } }',
      {
        input: { teamId: walk.team.teamId, email: `walk-invitee-${randomHex()}@example.com`, role: 'VIEWER' },
      },
      owner,
    );

    // A webhook with one (PENDING) delivery: Webhook, WebhookDelivery and its TeamEvent.
    const webhook = await ok(
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { __typename ... on CreateWebhookSuccess { webhook { id } } } }',
      { input: { teamId: walk.team.teamId, url: 'https://hooks.example.com/walk' } },
      owner,
    );
    await ok(
      'mutation($input: TestWebhookInput!) { testWebhook(input: $input) { __typename } }',
      { input: { id: (webhook.webhook as { id: string }).id } },
      owner,
    );

    const seen = await walkAll(owner, walk, []);
    expect(seen.errors).toEqual([]);
    everyId = [...seen.ids];
  });

  test('every object type of the schema is classified (a new type fails here until it is)', () => {
    expect(dataTypes.map((type) => type.name).sort()).toEqual(Object.keys(SCOPE_OF_TYPE).sort());
  });

  test('an unscoped token reaches every object type, through node() too', async () => {
    const seen = await walkAll(walk.team.ownerToken, walk, everyId);
    expect(seen.errors).toEqual([]);
    expect([...seen.typenames].filter((name) => SCOPE_OF_TYPE[name]).sort()).toEqual(allowedTypes(null));
    // node() was walked with the id of every Node type, and with audit targets (users, tokens, …).
    const decoded = new Set(everyId.map(typeOfId));
    for (const type of nodeTypes) expect(decoded, type).toContain(type);
  });

  const tokens: [string, TokenScope[] | 'stored-empty'][] = [
    ...TOKEN_SCOPES.map((scope): [string, TokenScope[]] => [scope, [enumName(scope)]]),
    ['secrets:read + locations:read', ['SECRETS_READ', 'LOCATIONS_READ']],
    ['[] (stored before the rule)', 'stored-empty'],
  ];

  test.each(tokens)('a %s token gets back objects of its scopes’ types and no others, on every path', async (_label, scopes) => {
    const token =
      scopes === 'stored-empty'
        ? await storedEmptyScopedToken(walk.team.ownerToken)
        : (await scopedToken(scopes, walk.team.ownerToken)).token;
    const values = scopes === 'stored-empty' ? [] : scopes.map(scopeValue);
    const seen = await walkAll(token, walk, everyId);
    // Refusals are typed: the team's own lists answer FORBIDDEN for a type the token lacks; links answer null or empty.
    for (const error of seen.errors) expect(error).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const dataSeen = [...seen.typenames].filter((name) => !isStructural(schema.getType(name) as GraphQLObjectType)).sort();
    expect(dataSeen).toEqual(allowedTypes(values));
  });
});

describe('node(id) of each Node type answers only who may see the object', () => {
  const NodeTypename = 'query($id: ID!) { node(id: $id) { __typename id } }';
  /** The same id with its row id's first character changed: well-formed, of the same type, naming nothing. */
  const alteredId = (id: string) => {
    const [type, row] = Buffer.from(id, 'base64').toString('utf8').split(':') as [string, string];
    return Buffer.from(`${type}:${row.startsWith('0') ? '1' : '0'}${row.slice(1)}`).toString('base64');
  };
  const nodeOf = async (id: string, token: string) => {
    const { body } = await execute(t.app, raw(NodeTypename), { id }, token);
    return { data: body.data, errors: body.errors };
  };

  test('an API token and a Viewer id to their user alone, an audit event to who reads the trail, a membership and a version like their team and secret', async () => {
    const created = await newSecret(team.ownerToken, 'node-visibility');
    if (created.createSecret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
    const ids = (await executeOk(
      t.app,
      raw(`query($teamId: ID!, $secretId: ID!) {
        viewer { id apiTokens(first: 1) { edges { node { id } } } }
        team(id: $teamId) { members(first: 1) { edges { node { id } } } auditEvents(first: 1) { edges { node { id } } } }
        node(id: $secretId) { ... on Secret { versions(first: 1) { edges { node { id } } } } }
      }`),
      { teamId: team.teamId, secretId: created.createSecret.secret.id },
      team.ownerToken,
    )) as never as {
      viewer: { id: string; apiTokens: { edges: { node: { id: string } }[] } };
      team: { members: { edges: { node: { id: string } }[] }; auditEvents: { edges: { node: { id: string } }[] } };
      node: { versions: { edges: { node: { id: string } }[] } };
    };
    const byType = {
      Viewer: ids.viewer.id,
      ApiToken: ids.viewer.apiTokens.edges[0]!.node.id,
      Membership: ids.team.members.edges[0]!.node.id,
      AuditEvent: ids.team.auditEvents.edges[0]!.node.id,
      SecretVersion: ids.node.versions.edges[0]!.node.id,
    };
    // The owner (unscoped) sees every one of them, each as its own type.
    for (const [type, id] of Object.entries(byType))
      expect((await nodeOf(id, team.ownerToken)).data, type).toEqual({ node: { __typename: type, id } });

    const member = await addMember(t.db, team, 'VIEWER');
    const outsider = await createTeamWithOwner(t.db);
    const secretsOnly = (await scopedToken(['SECRETS_READ'])).token;
    const hidden: [string, keyof typeof byType][] = [
      [member.token, 'Viewer'],
      [member.token, 'ApiToken'],
      [member.token, 'AuditEvent'],
      [secretsOnly, 'AuditEvent'],
      [outsider.ownerToken, 'Membership'],
      [outsider.ownerToken, 'SecretVersion'],
      [(await scopedToken(['LOCATIONS_READ'])).token, 'SecretVersion'],
    ];
    for (const [token, type] of hidden) {
      expect(await nodeOf(byType[type], token), type).toEqual({ data: { node: null }, errors: undefined });
      expect(await nodeOf(alteredId(byType[type]), token), type).toEqual(await nodeOf(byType[type], token));
    }
    // The same member sees what a VIEWER of the team may: its memberships and versions.
    expect((await nodeOf(byType.Membership, member.token)).data).toEqual({ node: { __typename: 'Membership', id: byType.Membership } });
    expect((await nodeOf(byType.SecretVersion, member.token)).data).toEqual({
      node: { __typename: 'SecretVersion', id: byType.SecretVersion },
    });
  });
});

function randomHex(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex');
}

/** `secrets:read` → `SECRETS_READ`, read from the schema's TokenScope enum. */
function enumName(scope: string): TokenScope {
  const type = schema.getType('TokenScope');
  if (!isEnumType(type)) throw new Error('TokenScope is not an enum');
  return type.getValues().find((value) => value.value === scope)!.name as TokenScope;
}

function scopeValue(name: TokenScope): string {
  const type = schema.getType('TokenScope');
  if (!isEnumType(type)) throw new Error('TokenScope is not an enum');
  return type.getValue(name)!.value as string;
}
