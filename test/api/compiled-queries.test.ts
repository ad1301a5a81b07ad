import { parse } from 'graphql';
import { beforeAll, describe, expect, test } from 'vitest';
import { LIST_QUERY, NODE_QUERY } from '../../bench/operations.ts';
import { createApp, type App } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logger.ts';
import { isCompilable } from '../../src/http/plugins/use-compiled-queries.ts';
import { schema } from '../../src/graphql/schema.ts';
import { createTeamWithOwner, executeOk, type TestTeam } from '../helpers/app.ts';
import { CreateLocation, CreateSecret, RotateSecret } from '../helpers/documents.ts';
import { fixtures, useTestApp } from '../helpers/fixtures.ts';
import { registerPlaintext } from '../helpers/harness-checks.ts';

/*
 * Queries whose variables are scalars run compiled by graphql-jit (useCompiledQueries); the rest
 * on graphql-js. The compiled path must answer exactly what graphql-js answers: data, errors,
 * their paths and codes, and the sanitised variable errors.
 */

const EVERYTHING = /* GraphQL */ `
  query Everything($teamId: ID!, $first: Int, $withLocations: Boolean!, $skipAudit: Boolean!) {
    viewer {
      id
      email
      memberships {
        role
        team {
          id
          name
          viewerRole
        }
      }
    }
    secretPresets {
      slug
      envVars
      secretType
    }
    team(id: $teamId) {
      id
      name
      slug
      version
      createdAt
      members(first: 10) {
        edges {
          node {
            role
            user {
              email
            }
          }
        }
      }
      secrets(first: $first) {
        edges {
          cursor
          node {
            __typename
            id
            name
            description
            secretType
            authMethod
            storage
            visibility
            version
            envVarKeys
            serviceSlug
            workspaceAccess
            lastRotatedAt
            createdAt
            updatedAt
            createdBy {
              email
            }
            owner {
              email
            }
            credentialFields {
              name
              envVar
              maskedValue
            }
            locationCount
            locations(first: 2) @include(if: $withLocations) {
              edges {
                cursor
                node {
                  id
                  name
                  locationType
                  bucketName
                  region
                  secret {
                    id
                    locationCount
                  }
                }
              }
              pageInfo {
                hasNextPage
                endCursor
              }
            }
            versions(first: 3) {
              edges {
                node {
                  version
                  reason
                }
              }
            }
          }
        }
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
      }
      auditEvents(first: 5) @skip(if: $skipAudit) {
        edges {
          node {
            action
            outcome
            changedFields
            targetType
            targetVersion
            actor {
              email
            }
          }
        }
      }
    }
  }
`;

const NODES = /* GraphQL */ `
  query CompiledNodes($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Secret {
        name
        credentialFields {
          maskedValue
        }
      }
      ... on Location {
        name
        secret {
          name
        }
      }
      ... on Team {
        name
      }
    }
  }
`;

/** Request ids differ from one request to the next; everything else must not. */
function withoutRequestIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRequestIds);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'requestId')
        .map(([key, inner]) => [key, withoutRequestIds(inner)]),
    );
  return value;
}

const { t, team } = useTestApp({ members: true });
let interpreted: App;
let other: TestTeam;
let secretIds: string[];
let locationIds: string[];

async function answer(app: App, query: string, variables: Record<string, unknown>, token: string) {
  const response = await app.fetch('http://cloakroom.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: withoutRequestIds(await response.json()) };
}

beforeAll(async () => {
  interpreted = createApp({ db: t.db, keyring: t.keyring, logger: createLogger('silent'), rateLimit: false, compileQueries: false });
  other = await createTeamWithOwner(t.db);
  const envValue = 'sk-proj-compiled-0123456789abcdef';
  registerPlaintext(envValue);
  const inputs = [
    { name: 'Warehouse', secretType: 'S3' as const, credentials: { accessKey: fixtures.accessKey() } },
    { name: 'analytics', secretType: 'GCS' as const, credentials: { gcsServiceAccount: fixtures.gcsServiceAccount() } },
    { name: 'OpenAI', secretType: 'ENV' as const, credentials: { envVars: [{ key: 'OPENAI_API_KEY', value: envValue }] } },
  ];
  secretIds = [];
  for (const input of inputs) {
    const created = (
      await executeOk(
        t.app,
        CreateSecret,
        { input: { teamId: team.teamId, description: `${input.name} credentials`, ...input } },
        team.ownerToken,
      )
    ).createSecret;
    if (created.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
    secretIds.push(created.secret.id);
  }
  await executeOk(t.app, RotateSecret, { input: { id: secretIds[0]!, credentials: { accessKey: fixtures.accessKey() } } }, team.ownerToken);
  locationIds = [];
  for (const name of ['raw', 'Curated', 'exports']) {
    const created = (
      await executeOk(
        t.app,
        CreateLocation,
        { input: { teamId: team.teamId, name, locationType: 'S3', secretId: secretIds[0]!, bucketName: `bucket-${name}`.toLowerCase() } },
        team.ownerToken,
      )
    ).createLocation;
    if (created.__typename !== 'CreateLocationSuccess') throw new Error(JSON.stringify(created));
    locationIds.push(created.location.id);
  }
});

describe('compiled queries answer exactly what graphql-js answers', () => {
  const cases: [string, () => [query: string, variables: Record<string, unknown>, token: string]][] = [
    ['the benchmark list', () => [LIST_QUERY, { teamId: team.teamId }, team.ownerToken]],
    ['the benchmark node', () => [NODE_QUERY, { id: secretIds[0] }, team.ownerToken]],
    [
      'every field, with @include and @skip',
      () => [EVERYTHING, { teamId: team.teamId, first: 10, withLocations: true, skipAudit: false }, team.ownerToken],
    ],
    [
      'a second page, fields skipped',
      () => [EVERYTHING, { teamId: team.teamId, first: 1, withLocations: false, skipAudit: true }, team.ownerToken],
    ],
    [
      'as a VIEWER',
      () => [EVERYTHING, { teamId: team.teamId, first: 10, withLocations: true, skipAudit: false }, team.members.VIEWER.token],
    ],
    [
      'another team (NotFound)',
      () => [EVERYTHING, { teamId: other.teamId, first: 10, withLocations: true, skipAudit: true }, team.ownerToken],
    ],
    [
      'first: 101 (BAD_USER_INPUT)',
      () => [EVERYTHING, { teamId: team.teamId, first: 101, withLocations: true, skipAudit: true }, team.ownerToken],
    ],
    [
      'a string for an Int (variable error, value not quoted)',
      () => [EVERYTHING, { teamId: team.teamId, first: 'ten-sk-proj-secret', withLocations: true, skipAudit: true }, team.ownerToken],
    ],
    ['a missing non-null variable', () => [EVERYTHING, { teamId: team.teamId, first: 1 }, team.ownerToken]],
    ['an object for an ID', () => [NODE_QUERY, { id: { secret: 'sk-proj-secret' } }, team.ownerToken]],
    ['a number for an ID', () => [NODE_QUERY, { id: 42 }, team.ownerToken]],
    ['a malformed global id', () => [NODE_QUERY, { id: 'not-a-global-id' }, team.ownerToken]],
    [
      'nodes of every kind, unknown and foreign ones',
      () => [NODES, { ids: [...secretIds, ...locationIds, team.teamId, other.teamId, 'bm9wZQ=='] }, team.ownerToken],
    ],
    ['a list variable given a single id', () => [NODES, { ids: secretIds[1] }, team.ownerToken]],
  ];
  test.each(cases)('%s', async (_, make) => {
    const [query, variables, token] = make();
    expect(isCompilable(schema, parse(query))).toBe(true);
    const compiled = await answer(t.app, query, variables, token);
    expect(compiled).toEqual(await answer(interpreted, query, variables, token));
    expect(compiled.status).toBeLessThan(500);
  });
});
