import { randomInt } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { ListOrder, LocationFilter, SecretFilter } from '../gql/graphql.ts';
import { addMember, createTeamWithOwner, execute, executeOk, type TestApp, type TestTeam } from '../helpers/app.ts';
import { CreateApiToken, CreateLocation, CreateSecret, NodeIds, TeamLocations } from '../helpers/documents.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { startCountingTestApp, type StatementLog } from '../helpers/statement-log.ts';
import { compositeId, fromGlobalId, toGlobalId } from '../../src/graphql/global-id.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logger.ts';

/*
 * N+1 guard: a request's SQL statements are counted through Kysely's `log` hook, so a list of
 * secrets with their authors and locations must cost the same few statements whatever its size.
 */

const BatchingSecretFields = graphql(`
  fragment BatchingSecretFields on Secret {
    id
    name
    locationCount
    createdBy {
      email
    }
    locations(first: 5) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);
void BatchingSecretFields;

const BatchingTeamSecrets = graphql(`
  query BatchingTeamSecrets(
    $teamId: ID!
    $first: Int
    $after: String
    $last: Int
    $before: String
    $filter: SecretFilter
    $orderBy: ListOrder
  ) {
    team(id: $teamId) {
      secrets(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
        edges {
          node {
            ...BatchingSecretFields
          }
        }
        pageInfo {
          ...PageInfoFields
        }
      }
    }
  }
`);

const BatchingNode = graphql(`
  query BatchingNode($id: ID!) {
    node(id: $id) {
      id
      ...BatchingSecretFields
    }
  }
`);

const BatchingNodes = graphql(`
  query BatchingNodes($ids: [ID!]!) {
    nodes(ids: $ids) {
      id
      ...BatchingSecretFields
    }
  }
`);

interface SeededSecret {
  id: string;
  name: string;
  createdByEmail: string;
  /** Its locations, in the API's order: by name case-insensitively, then id. */
  locations: { id: string; name: string }[];
}

/** A random mixed-case name of letters only, so that SQL's lower(name) order is JS's order under any collation. */
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const randomName = () => Array.from({ length: 12 }, () => LETTERS[randomInt(LETTERS.length)]).join('');

/** Orders like the API: lower(name), then the row's uuid. */
function byName<T extends { id: string; name: string }>(rows: T[], typename: string): T[] {
  const key = (row: T) => [row.name.toLowerCase(), fromGlobalId(row.id, typename)] as const;
  return rows.toSorted((a, b) => {
    const [an, ai] = key(a);
    const [bn, bi] = key(b);
    return an < bn ? -1 : an > bn ? 1 : ai < bi ? -1 : ai > bi ? 1 : 0;
  });
}

const expectedNode = (secret: SeededSecret) => ({
  id: secret.id,
  name: secret.name,
  locationCount: secret.locations.length,
  createdBy: { email: secret.createdByEmail },
  locations: { edges: secret.locations.slice(0, 5).map((node) => ({ node })) },
});

let t: TestApp & { statementLog: StatementLog };
let team: TestTeam;
let seeded: SeededSecret[];

/**
 * Runs one request and returns its data and the statements it sent, authentication (the token
 * lookup: one statement, none while the token is cached) apart.
 */
async function counted<T>(run: () => Promise<T>): Promise<{ data: T; auth: string[]; tables: string[]; ms: number }> {
  t.statementLog.reset();
  const started = performance.now();
  const data = await run();
  const ms = Math.round(performance.now() - started);
  const tables = t.statementLog.tables();
  return { data, auth: tables.filter((table) => table === 'api_tokens'), tables: tables.filter((table) => table !== 'api_tokens'), ms };
}

/** Runs `tasks` at most `limit` at a time (PostgreSQL's pool is 10; PGlite queues them anyway). */
async function inBatches<T>(tasks: (() => Promise<T>)[], limit = 10): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += limit) results.push(...(await Promise.all(tasks.slice(i, i + limit).map((task) => task()))));
  return results;
}

beforeAll(async () => {
  t = await startCountingTestApp();
  team = await createTeamWithOwner(t.db);
  const admin = await addMember(t.db, team, 'ADMIN');
  const authors = [
    { token: team.ownerToken, email: team.ownerEmail },
    { token: admin.token, email: admin.email },
  ];

  // 100 secrets by two authors, S3 and R2, the i-th with i % 8 locations (0–7), names in random case.
  seeded = await inBatches(
    Array.from({ length: 100 }, (_, i) => async (): Promise<SeededSecret> => {
      const author = authors[i % 2]!;
      const secretType = i % 3 ? ('S3' as const) : ('R2' as const);
      const name = randomName();
      const created = await executeOk(
        t.app,
        CreateSecret,
        { input: { teamId: team.teamId, name, secretType, credentials: { accessKey: fixtures.accessKey() } } },
        author.token,
      );
      if (created.createSecret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created.createSecret));
      const id = created.createSecret.secret.id;
      const locations: SeededSecret['locations'] = [];
      for (let k = 0; k < i % 8; k++) {
        const locationName = randomName();
        const input = { teamId: team.teamId, name: locationName, locationType: secretType, secretId: id, bucketName: `bucket-${k}` };
        const location = await executeOk(t.app, CreateLocation, { input }, team.ownerToken);
        if (location.createLocation.__typename !== 'CreateLocationSuccess') throw new Error(JSON.stringify(location.createLocation));
        locations.push({ id: location.createLocation.location.id, name: locationName });
      }
      return { id, name, createdByEmail: author.email, locations: byName(locations, 'Location') };
    }),
  );
  seeded = byName(seeded, 'Secret');
}, 120_000);
afterAll(() => t?.close());

describe('statements per request', () => {
  test("authentication costs one statement on a token's first request and none while it is cached", async () => {
    const member = await addMember(t.db, team, 'VIEWER');
    const first = await counted(() => executeOk(t.app, BatchingNode, { id: seeded[0]!.id }, member.token));
    expect(first.auth).toEqual(['api_tokens']);
    const second = await counted(() => executeOk(t.app, BatchingNode, { id: seeded[0]!.id }, member.token));
    expect(second.auth).toEqual([]);
    expect(second.tables.toSorted()).toEqual(first.tables.toSorted());
  });

  test('a page of secrets with author, count and first 5 locations is one statement (with its team) for 5, 50 and 100 secrets', async () => {
    const counts: Record<number, number> = {};
    const timings: Record<number, number> = {};
    for (const first of [5, 50, 100]) {
      const { data, auth, tables, ms } = await counted(() =>
        executeOk(t.app, BatchingTeamSecrets, { teamId: team.teamId, first }, team.ownerToken),
      );
      // Correctness first: the first N secrets by name, each with its author, count and first 5 locations by name.
      expect(data.team?.secrets.edges.map((edge) => edge.node)).toEqual(seeded.slice(0, first).map(expectedNode));
      expect(data.team?.secrets.pageInfo.hasNextPage).toBe(first < 100);
      expect(auth.length).toBeLessThanOrEqual(1);
      counts[first] = tables.length;
      timings[first] = ms;
      // The team (membership and role), the page with its counts, authors and locations: all in the one statement.
      const [folded] = t.statementLog.statements.filter((query) => !query.sql.includes('"api_tokens"'));
      for (const table of ['teams', 'memberships', 'secrets', 'users', 'locations']) expect(folded!.sql).toContain(`from "${table}"`);
    }
    console.info(`statements beyond authentication: ${JSON.stringify(counts)}; ms: ${JSON.stringify(timings)}`);
    expect(counts).toEqual({ 5: 1, 50: 1, 100: 1 });

    // While the token is cached, authentication adds none: one statement in all.
    const again = await counted(() => executeOk(t.app, BatchingTeamSecrets, { teamId: team.teamId, first: 50 }, team.ownerToken));
    expect(t.statementLog.statements).toHaveLength(1);
    expect(again.auth).toEqual([]);

    // Backward, the last 50 (each with its first 5 locations), in the list's order, in one statement too.
    const backward = await counted(() => executeOk(t.app, BatchingTeamSecrets, { teamId: team.teamId, last: 50 }, team.ownerToken));
    expect(backward.data.team?.secrets.edges.map((edge) => edge.node)).toEqual(seeded.slice(-50).map(expectedNode));
    expect(backward.tables).toHaveLength(1);
  });

  test('a filtered list folds its items (creator, locations) but not its team: two statements, whatever the page size', async () => {
    const counts: number[] = [];
    for (const first of [5, 30]) {
      const { data, tables } = await counted(() =>
        executeOk(t.app, BatchingTeamSecrets, { teamId: team.teamId, first, filter: { search: '' } }, team.ownerToken),
      );
      expect(data.team?.secrets.edges.map((edge) => edge.node)).toEqual(seeded.slice(0, first).map(expectedNode));
      counts.push(tables.length);
    }
    expect(counts).toEqual([2, 2]);
  });

  test('the folded list keeps the token’s scopes: without LOCATIONS_READ, no locations (the count still counts), still one statement', async () => {
    const created = await executeOk(t.app, CreateApiToken, { input: { name: 'secrets only', scopes: ['SECRETS_READ'] } }, team.ownerToken);
    if (created.createApiToken.__typename !== 'CreateApiTokenSuccess') throw new Error(JSON.stringify(created));
    const token = created.createApiToken.token;
    await executeOk(t.app, BatchingTeamSecrets, { teamId: team.teamId, first: 1 }, token);
    const { data, tables } = await counted(() => executeOk(t.app, BatchingTeamSecrets, { teamId: team.teamId, first: 20 }, token));
    expect(data.team?.secrets.edges.map((edge) => edge.node)).toEqual(
      seeded.slice(0, 20).map((secret) => ({ ...expectedNode(secret), locations: { edges: [] } })),
    );
    expect(tables).toHaveLength(1);
    expect(t.statementLog.statements[0]!.sql).not.toContain('from "locations" where "locations"."secret_id"');

    // node(id) the same: the secret and its author in one statement, no locations.
    const node = await counted(() => executeOk(t.app, BatchingNode, { id: seeded[3]!.id }, token));
    expect(node.data.node).toEqual({ ...expectedNode(seeded[3]!), locations: { edges: [] } });
    expect(node.tables).toHaveLength(1);
    // A token that may not read secrets gets no secret from node(id), folded or not.
    const locationsOnly = await executeOk(
      t.app,
      CreateApiToken,
      { input: { name: 'locations only', scopes: ['LOCATIONS_READ'] } },
      team.ownerToken,
    );
    if (locationsOnly.createApiToken.__typename !== 'CreateApiTokenSuccess') throw new Error(JSON.stringify(locationsOnly));
    expect((await executeOk(t.app, BatchingNode, { id: seeded[3]!.id }, locationsOnly.createApiToken.token)).node).toBeNull();
  });

  test('a VIEWER’s folded list leaves out other members’ PRIVATE secrets, as the unfolded one does', async () => {
    const viewer = await addMember(t.db, team, 'VIEWER');
    const hidden = await executeOk(
      t.app,
      CreateSecret,
      {
        input: {
          teamId: team.teamId,
          name: 'aaaa-private',
          secretType: 'S3',
          shared: false,
          credentials: { accessKey: fixtures.accessKey() },
        },
      },
      team.ownerToken,
    );
    if (hidden.createSecret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(hidden.createSecret));
    try {
      const owner = await executeOk(t.app, BatchingTeamSecrets, { teamId: team.teamId, first: 3 }, team.ownerToken);
      expect(owner.team?.secrets.edges[0]?.node.id).toBe(hidden.createSecret.secret.id);
      const folded = await executeOk(t.app, BatchingTeamSecrets, { teamId: team.teamId, first: 3 }, viewer.token);
      const unfolded = await executeOk(t.app, BatchingTeamSecrets, { teamId: team.teamId, first: 3, filter: {} }, viewer.token);
      expect(folded.team?.secrets.edges.map((edge) => edge.node)).toEqual(seeded.slice(0, 3).map(expectedNode));
      expect(unfolded).toEqual(folded);
    } finally {
      await sql`delete from secret_versions where secret_id = ${fromGlobalId(hidden.createSecret.secret.id, 'Secret')}`.execute(t.db);
      await sql`delete from secrets where id = ${fromGlobalId(hidden.createSecret.secret.id, 'Secret')}`.execute(t.db);
    }
  });

  test('node(id) of a secret is one statement; nodes(ids) of 5 or 50 secrets cost a fixed number of statements', async () => {
    const one = await counted(() => executeOk(t.app, BatchingNode, { id: seeded[7]!.id }, team.ownerToken));
    expect(one.data.node).toEqual(expectedNode(seeded[7]!));
    expect(one.auth.length).toBeLessThanOrEqual(1);
    // The secret (with its count and the membership check), its author and its locations: one statement.
    expect(one.tables).toHaveLength(1);
    const [folded] = t.statementLog.statements.filter((query) => !query.sql.includes('"api_tokens"'));
    for (const table of ['secrets', 'memberships', 'users', 'locations']) expect(folded!.sql).toContain(`from "${table}"`);

    const many: Record<number, string[]> = {};
    const timings: Record<string, number> = { node: one.ms };
    for (const size of [5, 50]) {
      // A spread of secrets, in an order unlike the list's, to prove each answer lands at its id.
      const picked = seeded
        .filter((_, i) => i % 2 === 1)
        .slice(0, size)
        .toReversed();
      const { data, auth, tables, ms } = await counted(() =>
        executeOk(t.app, BatchingNodes, { ids: picked.map((secret) => secret.id) }, team.ownerToken),
      );
      expect(data.nodes).toEqual(picked.map(expectedNode));
      expect(auth.length).toBeLessThanOrEqual(1);
      many[size] = tables.toSorted();
      timings[`nodes(${size})`] = ms;
    }
    console.info(`node: ${JSON.stringify(one.tables)}; nodes: ${JSON.stringify(many)}; ms: ${JSON.stringify(timings)}`);
    // nodes(ids) batches: the secrets, their authors, their locations, whatever the number of ids.
    expect(many[5]).toEqual(['locations', 'secrets', 'users']);
    expect(many[50]).toEqual(many[5]);
  });

  test('with rate limits on, node(id) of a secret is still one statement: the team lookup is the read, and the team is still charged', async () => {
    const limited = createApp({
      db: t.db,
      keyring: t.keyring,
      logger: createLogger('silent'),
      // The viewer's teams stay cached for the whole test, however slow the machine.
      rateLimit: { perToken: { queries: 100, mutations: 100 }, perTeam: { queries: 3, mutations: 3 }, teamsCacheMs: 600_000 },
    });
    const send = (secret: SeededSecret, token = team.ownerToken) => execute(limited, BatchingNode, { id: secret.id }, token);
    // The first request also finds the viewer's teams (cached after): not counted here.
    await send(seeded[9]!);
    const { data, tables } = await counted(async () => {
      const response = await send(seeded[8]!);
      expect(response.headers.get('x-ratelimit-limit')).toBe('3');
      expect(response.headers.get('x-ratelimit-remaining')).toBe('1');
      return response.body.data;
    });
    expect(data?.node).toEqual(expectedNode(seeded[8]!));
    expect(tables).toHaveLength(1);
    const [folded] = t.statementLog.statements.filter((query) => !query.sql.includes('"api_tokens"'));
    for (const table of ['secrets', 'memberships', 'users', 'locations']) expect(folded!.sql).toContain(`from "${table}"`);
    // As strict as before: the third is the team's last, the fourth is refused and runs nothing.
    expect((await send(seeded[7]!)).headers.get('x-ratelimit-remaining')).toBe('0');
    const refused = await counted(() => send(seeded[6]!));
    expect(refused.data.status).toBe(429);
    expect(refused.data.body.errors?.[0]?.message).toMatch(/your team/);
    expect(refused.tables).toHaveLength(1);
    // Another team's secret names no team of the caller's: nothing to charge, and nothing to see.
    const stranger = await createTeamWithOwner(t.db);
    await send(seeded[5]!, stranger.ownerToken);
    const foreign = await counted(() => send(seeded[6]!, stranger.ownerToken));
    expect(foreign.data.status).toBe(200);
    expect(foreign.data.body.data?.node).toBeNull();
    expect(foreign.data.headers.get('x-ratelimit-remaining')).toBe('98');
    expect(foreign.tables).toHaveLength(1);
  });
});

describe('prepared statements', () => {
  /** The distinct SQL texts one request sent (authentication apart). */
  async function textsOf(run: () => Promise<unknown>): Promise<string[]> {
    t.statementLog.reset();
    await run();
    return [...new Set(t.statementLog.statements.map((query) => query.sql).filter((text) => !text.includes('"api_tokens"')))].toSorted();
  }

  test('every batch lookup sends one SQL text whatever the batch size (= any($1) with an array, not in ($1 … $n))', async () => {
    const ownerId = fromGlobalId(team.ownerId, 'User');
    const teamUuid = fromGlobalId(team.teamId, 'Team');
    // Secrets (with their authors and locations), locations, users, teams, memberships and secret versions by node id.
    const withLocations = seeded.filter((secret) => secret.locations.length > 0);
    const idsOf = (size: number) => [
      team.teamId,
      team.ownerId,
      toGlobalId('Membership', compositeId(teamUuid, ownerId)),
      ...withLocations
        .slice(0, size)
        .flatMap((secret) => [
          secret.id,
          ...secret.locations.slice(0, 1).map((location) => location.id),
          toGlobalId('SecretVersion', compositeId(fromGlobalId(secret.id, 'Secret'), 1)),
        ]),
    ];
    const texts: Record<number, string[]> = {};
    for (const size of [2, 9, 30]) {
      texts[size] = await textsOf(async () => {
        const ids = idsOf(size);
        const { nodes } = await executeOk(t.app, NodeIds, { ids }, team.ownerToken);
        expect(nodes.map((found) => found?.id)).toEqual(ids);
        await executeOk(t.app, BatchingNodes, { ids: withLocations.slice(0, size).map((secret) => secret.id) }, team.ownerToken);
      });
    }
    expect(texts[2]!.length).toBeGreaterThanOrEqual(6);
    expect(texts[9]).toEqual(texts[2]);
    expect(texts[30]).toEqual(texts[2]);
    // secrets, locations, users, teams, workspaces… by `= any($n)`; memberships and versions by unnested pairs.
    expect(texts[30]!.filter((text) => /= any\(\$\d+\)/.test(text)).length).toBeGreaterThanOrEqual(4);
    expect(texts[30]!.filter((text) => /from unnest\(\$\d+::uuid\[\], \$\d+::(uuid|int)\[\]\)/.test(text))).toHaveLength(2);
  });
});

/** What a plan does to each table: node type, relation, index; and whether it sorts. */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

describe.runIf(testDatabaseUrl)('list query plans on PostgreSQL (a team with 5,000 secrets and 10,000 locations)', () => {
  let bulk: TestTeam;
  beforeAll(async () => {
    bulk = await createTeamWithOwner(t.db);
    const teamId = fromGlobalId(bulk.teamId, 'Team');
    const ownerId = fromGlobalId(bulk.ownerId, 'User');
    await sql`
      insert into secrets (team_id, name, name_key, secret_type, auth_method, storage, credential_fields, payload_version, created_at, created_by, updated_by)
      select ${teamId}, 'bulk-' || md5(g::text), 'bulk-' || md5(g::text), (array['S3', 'R2', 'GCS'])[g % 3 + 1], (array['S3_ACCESS_KEY', 'R2_ACCESS_KEY', 'GCS_SERVICE_ACCOUNT'])[g % 3 + 1],
             'NATIVE', '[]'::jsonb, 1, now() - g * interval '1 second', ${ownerId}, ${ownerId}
      from generate_series(1, 5000) as g`.execute(t.db);
    await sql`
      insert into locations (team_id, secret_id, name, name_key, location_type, bucket_name, created_by, updated_by)
      select s.team_id, s.id, s.name || '-loc-' || k, s.name_key || '-loc-' || k, s.secret_type, 'bucket', ${ownerId}, ${ownerId}
      from secrets s cross join generate_series(1, 2) as k
      where s.team_id = ${teamId} and s.secret_type <> 'GCS'`.execute(t.db);
    await sql`analyze secrets`.execute(t.db);
    await sql`analyze locations`.execute(t.db);
  });

  /** Runs the API query, then EXPLAINs each statement it sent to `table`, with the same parameters. */
  async function plansOf(table: 'secrets' | 'locations', run: () => Promise<unknown>) {
    t.statementLog.reset();
    await run();
    const queries = t.statementLog.statements.filter(
      (query) => new RegExp(`from "${table}"`).test(query.sql) && /order by/.test(query.sql),
    );
    expect(queries.length).toBeGreaterThan(0);
    return Promise.all(
      queries.map(async (query) => {
        const result = await t.db.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          CompiledQuery.raw(`explain (format json) ${query.sql}`, [...query.parameters]),
        );
        const nodes = flatten(result.rows[0]!['QUERY PLAN'][0].Plan);
        return { sql: query.sql, nodes };
      }),
    );
  }

  /**
   * Work that grows with the team rather than the page: a seq scan of secrets or locations, or a
   * sort of secrets. Per-row lookups the folded list makes (a creator's memberships, one secret's
   * handful of locations sorted by name) are bounded by the page and left to the planner.
   */
  const unbounded = (nodes: PlanNode[]) =>
    nodes.filter(
      (node) =>
        (node['Node Type'] === 'Seq Scan' && ['secrets', 'locations'].includes(node['Relation Name'] ?? '')) ||
        (node['Node Type'] === 'Sort' && flatten(node).some((below) => below['Relation Name'] === 'secrets')),
    );

  const describePlan = (nodes: PlanNode[]) =>
    nodes.map((node) => [node['Node Type'], node['Relation Name'], node['Index Name']].filter(Boolean).join(' ')).join(' → ');

  async function secretsPlan(variables: { first?: number; after?: string | null; filter?: SecretFilter; orderBy?: ListOrder }) {
    const run = () => executeOk(t.app, BatchingTeamSecrets, { teamId: bulk.teamId, first: 20, ...variables }, bulk.ownerToken);
    const plans = await plansOf('secrets', run);
    const list = plans.find((plan) => plan.sql.includes('"secrets"."team_id" ='))!;
    return { list, all: plans };
  }

  test.each<[string, { filter?: SecretFilter; orderBy?: ListOrder }, string]>([
    ['name ASC', {}, 'secrets_team_name_order_idx'],
    ['name DESC', { orderBy: { field: 'NAME', direction: 'DESC' } }, 'secrets_team_name_order_idx'],
    ['createdAt ASC', { orderBy: { field: 'CREATED_AT', direction: 'ASC' } }, 'secrets_team_created_idx'],
    ['createdAt DESC', { orderBy: { field: 'CREATED_AT', direction: 'DESC' } }, 'secrets_team_created_idx'],
    ['secretType filter', { filter: { secretType: 'R2' } }, 'secrets_team_type_name_idx'],
  ])('secrets by %s: an index scan in the list order, no seq scan, no sort', async (_label, variables, index) => {
    const { list, all } = await secretsPlan(variables);
    console.info(`${_label}: ${describePlan(list.nodes)}`);
    expect(list.nodes.find((node) => node['Relation Name'] === 'secrets')).toMatchObject({
      'Node Type': expect.stringMatching(/^Index (Only )?Scan$/),
      'Index Name': index,
    });
    for (const plan of all) expect(unbounded(plan.nodes), describePlan(plan.nodes)).toEqual([]);
  });

  test('secrets: the page after a cursor starts inside the index (row comparison as an index condition)', async () => {
    for (const orderBy of [
      { field: 'NAME', direction: 'ASC' },
      { field: 'NAME', direction: 'DESC' },
      { field: 'CREATED_AT', direction: 'DESC' },
    ] as const) {
      const firstPage = await executeOk(t.app, BatchingTeamSecrets, { teamId: bulk.teamId, first: 20, orderBy }, bulk.ownerToken);
      const { list } = await secretsPlan({ orderBy, after: firstPage.team!.secrets.pageInfo.endCursor });
      console.info(`after cursor, ${orderBy.field} ${orderBy.direction}: ${describePlan(list.nodes)}`);
      const scan = list.nodes.find((node) => node['Relation Name'] === 'secrets') as PlanNode & { 'Index Cond'?: string };
      expect(scan).toMatchObject({ 'Node Type': expect.stringMatching(/^Index (Only )?Scan$/) });
      expect(scan['Index Cond']).toMatch(/ROW\(/i);
      expect(unbounded(list.nodes), describePlan(list.nodes)).toEqual([]);
    }
  });

  test('secrets paged backward (last, before) read the same index backward: the same statements, no sort, no seq scan', async () => {
    const forward = await plansOf('secrets', () =>
      executeOk(t.app, BatchingTeamSecrets, { teamId: bulk.teamId, first: 20 }, bulk.ownerToken),
    );
    for (const orderBy of [
      { field: 'NAME', direction: 'ASC' },
      { field: 'CREATED_AT', direction: 'DESC' },
    ] as const) {
      const end = await executeOk(t.app, BatchingTeamSecrets, { teamId: bulk.teamId, last: 20, orderBy }, bulk.ownerToken);
      expect(end.team!.secrets.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
      for (const before of [null, end.team!.secrets.pageInfo.startCursor]) {
        const plans = await plansOf('secrets', () =>
          executeOk(t.app, BatchingTeamSecrets, { teamId: bulk.teamId, last: 20, before, orderBy }, bulk.ownerToken),
        );
        expect(plans).toHaveLength(forward.length);
        const list = plans.find((plan) => plan.sql.includes('"secrets"."team_id" ='))!;
        console.info(`backward ${orderBy.field} ${orderBy.direction}${before ? ' before a cursor' : ''}: ${describePlan(list.nodes)}`);
        const scan = list.nodes.find((node) => node['Relation Name'] === 'secrets') as PlanNode & { 'Index Cond'?: string };
        expect(scan).toMatchObject({ 'Node Type': expect.stringMatching(/^Index (Only )?Scan$/) });
        if (before) expect(scan['Index Cond']).toMatch(/ROW\(/i);
        for (const plan of plans) expect(unbounded(plan.nodes), describePlan(plan.nodes)).toEqual([]);
      }
    }
  });

  test("a page of secrets' first 5 locations is one statement reading the (secret_id, lower(name), id) index", async () => {
    const plans = await plansOf('locations', () =>
      executeOk(t.app, BatchingTeamSecrets, { teamId: bulk.teamId, first: 20 }, bulk.ownerToken),
    );
    expect(plans).toHaveLength(1);
    console.info(`locations of secrets: ${describePlan(plans[0]!.nodes)}`);
    expect(plans[0]!.nodes.map((node) => node['Index Name'])).toContain('locations_secret_name_idx');
    expect(unbounded(plans[0]!.nodes), describePlan(plans[0]!.nodes)).toEqual([]);
  });

  test.each<[string, { filter?: LocationFilter; orderBy?: ListOrder }, string]>([
    ['name ASC', {}, 'locations_team_name_order_idx'],
    ['name DESC', { orderBy: { field: 'NAME', direction: 'DESC' } }, 'locations_team_name_order_idx'],
    ['createdAt ASC', { orderBy: { field: 'CREATED_AT', direction: 'ASC' } }, 'locations_team_created_idx'],
    ['locationType filter', { filter: { locationType: 'R2' } }, 'locations_team_type_name_idx'],
  ])('team locations by %s (and the page after): an index scan, no seq scan, no sort', async (_label, variables, index) => {
    const run = (after: string | null) =>
      executeOk(t.app, TeamLocations, { teamId: bulk.teamId, first: 20, after, ...variables }, bulk.ownerToken);
    const firstPage = await run(null);
    for (const after of [null, firstPage.team!.locations.pageInfo.endCursor]) {
      const plans = await plansOf('locations', () => run(after));
      expect(plans).toHaveLength(1);
      console.info(`locations ${_label}${after ? ' after a cursor' : ''}: ${describePlan(plans[0]!.nodes)}`);
      expect(plans[0]!.nodes.find((node) => node['Relation Name'] === 'locations')).toMatchObject({
        'Node Type': expect.stringMatching(/^Index (Only )?Scan$/),
        'Index Name': index,
      });
      expect(plans[0]!.nodes.filter((node) => node['Node Type'] === 'Sort' || node['Node Type'] === 'Seq Scan')).toEqual([]);
    }
  });
});
