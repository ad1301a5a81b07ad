import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { ListOrder, LocationFilter, LocationType, SecretFilter, SecretType } from '../gql/graphql.ts';
import { createTeamWithOwner, execute, executeOk, type TestTeam } from '../helpers/app.ts';
import {
  CreateLocation,
  CreateSecret,
  CreateVaultConnection,
  TeamLocations,
  TeamSecrets,
  VaultConnectionsPage,
} from '../helpers/documents.ts';
import { fixtures, useApp } from '../helpers/fixtures.ts';

const ListSecretLocations = graphql(`
  query ListSecretLocations($id: ID!, $first: Int, $after: String) {
    node(id: $id) {
      ... on Secret {
        locations(first: $first, after: $after) {
          edges {
            node {
              name
            }
          }
        }
      }
    }
  }
`);

const t = useApp();

function credentialsFor(secretType: SecretType) {
  if (secretType === 'GCS') return { gcsServiceAccount: fixtures.gcsServiceAccount() };
  if (secretType === 'B2') return { b2ApplicationKey: fixtures.b2ApplicationKey() };
  if (secretType === 'AZURE_BLOB') return { azureSasUrl: fixtures.azureSasUrl() };
  return { accessKey: fixtures.accessKey() };
}

async function createSecret(team: TestTeam, name: string, secretType: SecretType = 'S3', vaultConnectionId?: string) {
  const input = vaultConnectionId
    ? {
        teamId: team.teamId,
        name,
        secretType,
        vaultConnectionId,
        fieldMappings: [
          { fieldName: 'access_key_id', reference: 'op://Infra/item/access_key_id' },
          { fieldName: 'secret_access_key', reference: 'op://Infra/item/secret_access_key' },
        ],
      }
    : {
        teamId: team.teamId,
        name,
        secretType,
        authMethod: secretType === 'AZURE_BLOB' ? ('AZURE_SAS_URL' as const) : null,
        credentials: credentialsFor(secretType),
      };
  const result = (await executeOk(t.app, CreateSecret, { input }, team.ownerToken)).createSecret;
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(`createSecret ${name}: ${JSON.stringify(result)}`);
  return result.secret.id;
}

async function createLocation(team: TestTeam, name: string, secretId: string, locationType: LocationType = 'S3') {
  const result = (
    await executeOk(
      t.app,
      CreateLocation,
      { input: { teamId: team.teamId, name, locationType, secretId, bucketName: 'bucket' } },
      team.ownerToken,
    )
  ).createLocation;
  if (result.__typename !== 'CreateLocationSuccess') throw new Error(`createLocation ${name}: ${JSON.stringify(result)}`);
  return result.location.id;
}

async function createVaultConnection(team: TestTeam) {
  const input = {
    teamId: team.teamId,
    name: `vault-${randomUUID()}`,
    vaultType: 'ONEPASSWORD' as const,
    credentials: { onePassword: { accessToken: `ops_${randomUUID()}` } },
  };
  const result = (await executeOk(t.app, CreateVaultConnection, { input }, team.ownerToken)).createVaultConnection;
  if (result.__typename !== 'CreateVaultConnectionSuccess') throw new Error(JSON.stringify(result));
  return result.vaultConnection.id;
}

type Edge = { cursor: string; node: { id: string; name: string } };
type Page = { edges: Edge[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } };

type PageArgs<Filter> = { first?: number; after?: string | null; filter?: Filter; orderBy?: ListOrder };

async function secretsPage(team: TestTeam, args: PageArgs<SecretFilter>): Promise<Page> {
  return (await executeOk(t.app, TeamSecrets, { teamId: team.teamId, ...args }, team.ownerToken)).team!.secrets;
}

async function locationsPage(team: TestTeam, args: PageArgs<LocationFilter>): Promise<Page> {
  return (await executeOk(t.app, TeamLocations, { teamId: team.teamId, ...args }, team.ownerToken)).team!.locations;
}

/**
 * Follows `endCursor` until `hasNextPage` is false; checks every page is full but the last and
 * that each page's endCursor is its last edge's cursor. Returns the edges in order.
 */
async function walk(fetchPage: (after: string | null) => Promise<Page>, pageSize: number): Promise<Edge[]> {
  const edges: Edge[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const page = await fetchPage(after);
    edges.push(...page.edges);
    expect(page.pageInfo.endCursor ?? null).toBe(page.edges.at(-1)?.cursor ?? null);
    if (!page.pageInfo.hasNextPage) return edges;
    expect(page.edges).toHaveLength(pageSize);
    after = page.pageInfo.endCursor!;
  }
  throw new Error('more than 100 pages');
}

const names = (edges: readonly { node: { name: string } }[]) => edges.map((edge) => edge.node.name);
const byNameInsensitive = (a: string, b: string) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0);

/**
 * Letters only, so that every collation orders them alike; creation order differs from name
 * order, and a case-sensitive sort (uppercase first) would differ from the case-insensitive one.
 */
const CREATION_ORDER = [
  'kiwi',
  'Banana',
  'mango',
  'apple',
  'HONEYDEW',
  'Date',
  'iris',
  'cherry',
  'Lime',
  'Fig',
  'Jujube',
  'elder',
  'grape',
];
const NAME_ORDER = [...CREATION_ORDER].sort(byNameInsensitive);

describe('ordering and walking every page', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeamWithOwner(t.db);
    const secretId = await createSecret(team, 'location-owner');
    for (const name of CREATION_ORDER) {
      await createSecret(team, name);
      await createLocation(team, name, secretId);
      // Distinct creation times (millisecond precision), so CREATED_AT order is the creation order.
      await sleep(3);
    }
  });

  const secretsInCreationOrder = () => ['location-owner', ...CREATION_ORDER];

  test('the case-insensitive name order is not the byte order (the fixture is meaningful)', () => {
    expect(NAME_ORDER).toEqual([
      'apple',
      'Banana',
      'cherry',
      'Date',
      'elder',
      'Fig',
      'grape',
      'HONEYDEW',
      'iris',
      'Jujube',
      'kiwi',
      'Lime',
      'mango',
    ]);
    expect([...CREATION_ORDER].sort()).not.toEqual(NAME_ORDER);
  });

  test.each([
    ['default (NAME ASC)', undefined],
    ['NAME ASC', { field: 'NAME', direction: 'ASC' }],
    ['NAME DESC', { field: 'NAME', direction: 'DESC' }],
    ['CREATED_AT ASC', { field: 'CREATED_AT', direction: 'ASC' }],
    ['CREATED_AT DESC', { field: 'CREATED_AT', direction: 'DESC' }],
  ] as const)('Team.secrets and Team.locations, %s: every item exactly once, in order, over pages of 4', async (_label, orderBy) => {
    const secretNames = secretsInCreationOrder();
    const expectedSecrets = orderBy?.field === 'CREATED_AT' ? secretNames : [...secretNames].sort(byNameInsensitive);
    const expectedLocations = orderBy?.field === 'CREATED_AT' ? CREATION_ORDER : NAME_ORDER;
    const reverse = orderBy?.direction === 'DESC';

    const secrets = await walk((after) => secretsPage(team, { first: 4, after, orderBy }), 4);
    expect(names(secrets)).toEqual(reverse ? [...expectedSecrets].reverse() : expectedSecrets);
    expect(new Set(secrets.map((edge) => edge.node.id)).size).toBe(secrets.length);

    const locations = await walk((after) => locationsPage(team, { first: 4, after, orderBy }), 4);
    expect(names(locations)).toEqual(reverse ? [...expectedLocations].reverse() : expectedLocations);
    expect(new Set(locations.map((edge) => edge.node.id)).size).toBe(locations.length);
  });

  test('direction defaults to ASC; a page of exactly the remaining items says there is no next page', async () => {
    const page = await secretsPage(team, { first: 100, orderBy: { field: 'NAME' } });
    expect(names(page.edges)).toEqual(secretsInCreationOrder().sort(byNameInsensitive));
    expect(page.pageInfo.hasNextPage).toBe(false);
    const exact = await locationsPage(team, { first: CREATION_ORDER.length });
    expect(exact.edges).toHaveLength(CREATION_ORDER.length);
    expect(exact.pageInfo.hasNextPage).toBe(false);
  });

  test('first is at most 100: 101 (or negative, or with last) is a top-level BAD_USER_INPUT', async () => {
    for (const [label, variables] of [
      ['secrets first 101', { first: 101 }],
      ['secrets first -1', { first: -1 }],
      ['secrets first 1 last 1', { first: 1, last: 1 }],
    ] as const) {
      const res = await execute(t.app, TeamSecrets, { teamId: team.teamId, ...variables }, team.ownerToken);
      expect(res.status, label).toBe(200);
      expect(res.body.errors?.[0]?.extensions?.code, label).toBe('BAD_USER_INPUT');
      expect(res.body.data?.team ?? null, label).toBeNull();
    }
    const locations = await execute(t.app, TeamLocations, { teamId: team.teamId, first: 101 }, team.ownerToken);
    expect(locations.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(locations.body.errors?.[0]?.message).toMatch(/first/);

    expect((await secretsPage(team, { first: 100 })).edges).toHaveLength(CREATION_ORDER.length + 1);
    expect((await locationsPage(team, { first: 100 })).edges).toHaveLength(CREATION_ORDER.length);
  });
});

describe('filters', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeamWithOwner(t.db);
    const vaultConnectionId = await createVaultConnection(team);
    const secrets: [string, SecretType, boolean?][] = [
      ['apple', 'S3'],
      ['Banana', 'GCS'],
      ['cherry_pie', 'S3'],
      ['Date', 'R2'],
      ['elder%flower', 'S3', true],
      ['grape\\vine', 'B2'],
      ['HONEYDEW', 'S3', true],
      ['kiwi_x', 'GCS'],
      ['kiwiAx', 'S3'],
      ['lime 100%', 'S3'],
      ['lime 1000', 'S3'],
      ['Mango', 'AZURE_BLOB'],
    ];
    for (const [name, secretType, external] of secrets)
      await createSecret(team, name, secretType, external ? vaultConnectionId : undefined);
    const s3 = await createSecret(team, 'backing-s3');
    const gcs = await createSecret(team, 'backing-gcs', 'GCS');
    const r2 = await createSecret(team, 'backing-r2', 'R2');
    const locations: [string, string, LocationType][] = [
      ['lake_raw', s3, 'S3'],
      ['lakeXraw', s3, 'S3'],
      ['logs 100%', gcs, 'GCS'],
      ['logs 1000', gcs, 'GCS'],
      ['back\\up', s3, 'S3'],
      ['Archive', r2, 'R2'],
    ];
    for (const [name, secretId, locationType] of locations) await createLocation(team, name, secretId, locationType);
  });

  const sorted = (list: string[]) => [...list].sort();
  const secretNames = async (filter: SecretFilter) => sorted(names((await secretsPage(team, { first: 100, filter })).edges));
  const locationNames = async (filter: LocationFilter) => sorted(names((await locationsPage(team, { first: 100, filter })).edges));

  test('Team.secrets by secretType and storage', async () => {
    expect(await secretNames({ secretType: 'GCS' })).toEqual(sorted(['Banana', 'kiwi_x', 'backing-gcs']));
    expect(await secretNames({ secretType: 'R2' })).toEqual(sorted(['Date', 'backing-r2']));
    expect(await secretNames({ secretType: 'WASABI' })).toEqual([]);
    expect(await secretNames({ storage: 'EXTERNAL_VAULT' })).toEqual(sorted(['elder%flower', 'HONEYDEW']));
    expect(await secretNames({ storage: 'NATIVE' })).not.toContain('HONEYDEW');
    expect(await secretNames({ storage: 'EXTERNAL_VAULT', secretType: 'S3', search: 'honey' })).toEqual(['HONEYDEW']);
  });

  test('Team.secrets search is a case-insensitive substring; %, _ and \\ are literal', async () => {
    expect(await secretNames({ search: 'honey' })).toEqual(['HONEYDEW']);
    expect(await secretNames({ search: 'HoNeYdEw' })).toEqual(['HONEYDEW']);
    expect(await secretNames({ search: 'AN' })).toEqual(sorted(['Banana', 'Mango']));
    expect(await secretNames({ search: '%' })).toEqual(sorted(['elder%flower', 'lime 100%']));
    expect(await secretNames({ search: '100%' })).toEqual(['lime 100%']);
    expect(await secretNames({ search: '_' })).toEqual(sorted(['cherry_pie', 'kiwi_x']));
    expect(await secretNames({ search: 'kiwi_' })).toEqual(['kiwi_x']);
    expect(await secretNames({ search: '\\' })).toEqual(['grape\\vine']);
    expect(await secretNames({ search: 'no such name' })).toEqual([]);
    expect(await secretNames({ secretType: 'GCS', search: 'KIWI' })).toEqual(['kiwi_x']);
  });

  test('Team.locations by locationType and search (same literal wildcards)', async () => {
    expect(await locationNames({ locationType: 'GCS' })).toEqual(sorted(['logs 100%', 'logs 1000']));
    expect(await locationNames({ locationType: 'AZURE_BLOB' })).toEqual([]);
    expect(await locationNames({ search: 'ARCH' })).toEqual(['Archive']);
    expect(await locationNames({ search: '_' })).toEqual(['lake_raw']);
    expect(await locationNames({ search: 'lake_' })).toEqual(['lake_raw']);
    expect(await locationNames({ search: '%' })).toEqual(['logs 100%']);
    expect(await locationNames({ search: '\\' })).toEqual(['back\\up']);
    expect(await locationNames({ locationType: 'S3', search: 'LAKE' })).toEqual(sorted(['lake_raw', 'lakeXraw']));
  });

  test('filters and cursors combine: a filtered list pages through exactly the filtered items', async () => {
    const external = await walk((after) => secretsPage(team, { first: 1, after, filter: { storage: 'EXTERNAL_VAULT' } }), 1);
    expect(names(external)).toEqual(['elder%flower', 'HONEYDEW']);
    const gcs = await walk(
      (after) => locationsPage(team, { first: 1, after, filter: { locationType: 'GCS' }, orderBy: { field: 'NAME', direction: 'DESC' } }),
      1,
    );
    expect(names(gcs)).toEqual(['logs 1000', 'logs 100%']);
  });
});

describe('cursors survive inserts', () => {
  test('NAME order: page 2 continues right after page 1; items inserted before the cursor never show up, those after it do', async () => {
    const team = await createTeamWithOwner(t.db);
    const secretId = await createSecret(team, 'zz-owner');
    const originals = ['m01', 'm03', 'm05', 'm07', 'm09', 'm11'];
    for (const name of originals) {
      await createSecret(team, name);
      await createLocation(team, name, secretId);
    }
    const search = 'm';
    const firstSecrets = await secretsPage(team, { first: 3, filter: { search } });
    const firstLocations = await locationsPage(team, { first: 3, filter: { search } });
    expect(names(firstSecrets.edges)).toEqual(['m01', 'm03', 'm05']);
    expect(names(firstLocations.edges)).toEqual(['m01', 'm03', 'm05']);

    for (const name of ['m00', 'm04', 'm06', 'm10', 'm99']) {
      await createSecret(team, name);
      await createLocation(team, name, secretId);
    }
    const restSecrets = await walk(
      (after) => secretsPage(team, { first: 2, after: after ?? firstSecrets.pageInfo.endCursor, filter: { search } }),
      2,
    );
    const restLocations = await walk(
      (after) => locationsPage(team, { first: 2, after: after ?? firstLocations.pageInfo.endCursor, filter: { search } }),
      2,
    );
    for (const rest of [names(restSecrets), names(restLocations)]) {
      expect(rest).toEqual(['m06', 'm07', 'm09', 'm10', 'm11', 'm99']);
      expect(rest.filter((name) => originals.includes(name))).toEqual(['m07', 'm09', 'm11']);
    }
  });

  test('CREATED_AT DESC: newer items land before the cursor, so page 2 is exactly the older originals', async () => {
    const team = await createTeamWithOwner(t.db);
    const originals: string[] = [];
    for (let index = 0; index < 7; index++) {
      originals.push(`c${index}`);
      await createSecret(team, `c${index}`);
      await sleep(3);
    }
    const orderBy = { field: 'CREATED_AT', direction: 'DESC' } as const;
    const first = await secretsPage(team, { first: 3, orderBy });
    expect(names(first.edges)).toEqual(['c6', 'c5', 'c4']);
    await createSecret(team, 'newer-1');
    await sleep(3);
    await createSecret(team, 'newer-2');
    const rest = await walk((after) => secretsPage(team, { first: 3, after: after ?? first.pageInfo.endCursor, orderBy }), 3);
    expect(names(rest)).toEqual(['c3', 'c2', 'c1', 'c0']);
    expect(names((await secretsPage(team, { first: 2, orderBy })).edges)).toEqual(['newer-2', 'newer-1']);
  });
});

describe('forged cursors', () => {
  const uuid = randomUUID();
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const GARBAGE = [
    'garbage',
    'Zm9v',
    '!!!not base64!!!',
    encode(['apple']),
    encode(['apple', 'not-a-uuid']),
    encode(['apple', uuid, 'extra']),
    encode([42, uuid]),
    encode({ name: 'apple', id: uuid }),
    encode(['x'.repeat(5000), uuid]),
    encode(null),
    'x'.repeat(20_000),
    '\u0000\u0001',
  ];

  let team: TestTeam;
  let secretId: string;
  beforeAll(async () => {
    team = await createTeamWithOwner(t.db);
    secretId = await createSecret(team, 'apple');
    await createLocation(team, 'apple-bucket', secretId);
    await createVaultConnection(team);
  });

  test('a garbage `after` is BAD_USER_INPUT on every list, never a 500', async () => {
    for (const after of GARBAGE) {
      const responses = [
        await execute(t.app, TeamSecrets, { teamId: team.teamId, first: 5, after }, team.ownerToken),
        await execute(
          t.app,
          TeamSecrets,
          { teamId: team.teamId, first: 5, after, orderBy: { field: 'CREATED_AT', direction: 'DESC' } },
          team.ownerToken,
        ),
        await execute(t.app, TeamLocations, { teamId: team.teamId, first: 5, after }, team.ownerToken),
        await execute(t.app, ListSecretLocations, { id: secretId, first: 5, after }, team.ownerToken),
        await execute(t.app, VaultConnectionsPage, { teamId: team.teamId, first: 5, after }, team.ownerToken),
      ];
      for (const [index, res] of responses.entries()) {
        const label = `list #${index}, after ${JSON.stringify(after.slice(0, 40))}`;
        expect(res.status, label).toBe(200);
        expect(
          res.body.errors?.map((error) => error.extensions?.code),
          label,
        ).toEqual(['BAD_USER_INPUT']);
      }
    }
  });

  test('a cursor of another order is refused; a well-formed cursor with SQL in it is only data', async () => {
    const nameCursor = (await secretsPage(team, { first: 1 })).pageInfo.endCursor!;
    const wrongOrder = await execute(
      t.app,
      TeamSecrets,
      { teamId: team.teamId, first: 5, after: nameCursor, orderBy: { field: 'CREATED_AT', direction: 'ASC' } },
      team.ownerToken,
    );
    expect(wrongOrder.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const injection = encode(["a') or true --", uuid]);
    const res = await execute(t.app, TeamSecrets, { teamId: team.teamId, first: 5, after: injection }, team.ownerToken);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    // "apple" sorts after "a') or true --", so it is the one row after that cursor.
    expect(names(res.body.data!.team!.secrets.edges)).toEqual(['apple']);
    const none = await execute(
      t.app,
      TeamSecrets,
      { teamId: team.teamId, first: 5, after: encode(["zzz' or '1'='1", uuid]) },
      team.ownerToken,
    );
    expect(none.body.errors).toBeUndefined();
    expect(none.body.data!.team!.secrets.edges).toEqual([]);
  });
});
