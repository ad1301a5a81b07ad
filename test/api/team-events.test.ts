import type { ResultOf } from '@graphql-typed-document-node/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { addMember, createTeamWithOwner, execute, executeOk } from '../helpers/app.ts';
import { CreateApiToken, RemoveTeamMember, RevokeApiToken, UpdateTeam } from '../helpers/documents.ts';
import { createS3Location, createS3Secret, useTestApp } from '../helpers/fixtures.ts';
import { listen, seqOf, subscribeSse, type SseSubscription } from '../helpers/sse.ts';
import { fromGlobalId } from '../../src/graphql/global-id.ts';
import { findLeaks } from '../helpers/leaks.ts';
import { registerPlaintext, registeredPlaintexts } from '../helpers/harness-checks.ts';
import { testDatabaseUrl } from '../helpers/database.ts';

const TeamEvents = graphql(`
  subscription TeamEvents($teamId: ID!, $after: String, $types: [String!]) {
    teamEvents(teamId: $teamId, after: $after, types: $types) {
      id
      cursor
      type
      occurredAt
      actor {
        id
      }
      target {
        __typename
        id
      }
      targetType
      targetId
      targetVersion
      changedFields
    }
  }
`);

type Events = SseSubscription<ResultOf<typeof TeamEvents>>;

const HEARTBEAT_MS = 50;
const { t, team } = useTestApp({ members: true, sseHeartbeatMs: HEARTBEAT_MS });
let url: string;
let stopServer: () => Promise<void>;
const open: Events[] = [];

beforeAll(async () => {
  const served = await listen(t.app);
  url = served.url;
  stopServer = served.close;
});
afterAll(async () => {
  for (const stream of open) stream.close();
  await stopServer();
});

async function follow(token: string, variables: { teamId?: string; after?: string | null; types?: string[] } = {}): Promise<Events> {
  const stream = await subscribeSse(url, TeamEvents, { teamId: team.teamId, ...variables }, token);
  open.push(stream);
  return stream;
}

const teamRowId = () => fromGlobalId(team.teamId, 'Team');
const renameTeam = (name: string, token = team.ownerToken) => executeOk(t.app, UpdateTeam, { input: { id: team.teamId, name } }, token);

/** Waits until the stream has `count` events, and answers them. */
async function eventsOf(stream: Events, count: number) {
  const results = await stream.waitFor(count);
  for (const result of results) expect(result.errors).toBeUndefined();
  return results.map((result) => result.data!.teamEvents);
}

describe('the outbox', () => {
  test('every successful mutation writes one team event with its audit event, in the same transaction; refusals write none', async () => {
    const before = await sql<{ n: string }>`select count(*) as n from team_events where team_id = ${teamRowId()}`.execute(t.db);
    const secret = await createS3Secret(t.app, team);
    await createS3Location(t.app, team, secret.id);
    // A VIEWER's change is refused (a DENIED audit row): no team event.
    const refused = await execute(t.app, UpdateTeam, { input: { id: team.teamId, name: 'nope' } }, team.members.VIEWER.token);
    expect(refused.body.data?.updateTeam?.__typename).toBe('ForbiddenError');
    const { rows } = await sql<{ id: string; seq: string; type: string; audit: string | null; outcome: string | null }>`
      select e.id, e.seq::text as seq, e.type, a.action as audit, a.outcome
      from team_events e left join audit_events a on a.id = e.id
      where e.team_id = ${teamRowId()} order by e.seq`.execute(t.db);
    const added = rows.slice(Number(before.rows[0]!.n));
    expect(added.map((row) => [row.type, row.audit, row.outcome])).toEqual([
      ['secret.created', 'secret.created', 'SUCCESS'],
      ['location.created', 'location.created', 'SUCCESS'],
    ]);
    // seq counts the team's events 1, 2, 3… with no gap.
    expect(rows.map((row) => Number(row.seq))).toEqual(rows.map((_row, index) => index + 1));
  });
});

describe('Subscription.teamEvents', () => {
  test('streams live events in order, and `after` replays exactly what followed a cursor, then goes live', async () => {
    const live = await follow(team.ownerToken);
    await renameTeam('Events 1');
    await renameTeam('Events 2');
    await renameTeam('Events 3');
    const [first, second, third] = await eventsOf(live, 3);
    expect(first).toMatchObject({
      type: 'team.updated',
      targetType: 'Team',
      targetId: team.teamId,
      changedFields: ['name'],
      actor: { id: team.ownerId },
      target: { __typename: 'Team', id: team.teamId },
    });
    expect([second!.targetVersion, third!.targetVersion]).toEqual([first!.targetVersion! + 1, first!.targetVersion! + 2]);

    const resumed = await follow(team.ownerToken, { after: first!.cursor });
    expect((await eventsOf(resumed, 2)).map((event) => event.id)).toEqual([second!.id, third!.id]);
    await renameTeam('Events 4');
    const [, , fourth] = await eventsOf(resumed, 3);
    expect(fourth).toMatchObject({ type: 'team.updated' });
    expect((await eventsOf(live, 4))[3]!.id).toBe(fourth!.id);
    expect(live.results).toHaveLength(4);
  });

  test('`types` filters; the stream still moves past the others', async () => {
    const stream = await follow(team.ownerToken, { types: ['secret.created'] });
    await renameTeam('Filtered');
    const secret = await createS3Secret(t.app, team);
    const [event] = await eventsOf(stream, 1);
    expect(event).toMatchObject({ type: 'secret.created', targetId: secret.id, target: { __typename: 'Secret', id: secret.id } });
  });

  test('a target deleted for good: `target` is null, `targetType` and `targetId` still name it', async () => {
    const secret = await createS3Secret(t.app, team);
    const stream = await follow(team.ownerToken, { types: ['secret.deleted'] });
    await executeOk(
      t.app,
      graphql(`
        mutation DeleteForEvents($input: DeleteSecretInput!) {
          deleteSecret(input: $input) {
            __typename
          }
        }
      `),
      { input: { id: secret.id, forceDeleteWithoutRecovery: true } },
      team.ownerToken,
    );
    const [event] = await eventsOf(stream, 1);
    expect(event).toMatchObject({ type: 'secret.deleted', target: null, targetType: 'Secret', targetId: secret.id });
  });

  test('bad input: an unknown, foreign or malformed cursor, a foreign team', async () => {
    const other = await createTeamWithOwner(t.db);
    const foreign = await follow(other.ownerToken, { teamId: other.teamId });
    await executeOk(t.app, UpdateTeam, { input: { id: other.teamId, name: 'Foreign' } }, other.ownerToken);
    const [foreignEvent] = await eventsOf(foreign, 1);
    for (const after of ['nonsense', foreignEvent!.cursor]) {
      const stream = await follow(team.ownerToken, { after });
      await stream.ended;
      expect(stream.results[0]?.errors?.[0]?.extensions?.code, after).toBe('BAD_USER_INPUT');
    }
    // Another team is not found, exactly like an unknown id.
    const stream = await follow(team.ownerToken, { teamId: other.teamId });
    await stream.ended;
    expect(stream.results[0]?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  test('isolation: a team never receives another team’s events', async () => {
    const other = await createTeamWithOwner(t.db);
    const ours = await follow(team.ownerToken, { types: ['team.updated'] });
    const theirs = await follow(other.ownerToken, { teamId: other.teamId });
    await executeOk(t.app, UpdateTeam, { input: { id: other.teamId, name: 'Theirs' } }, other.ownerToken);
    await renameTeam('Ours');
    const [their] = await eventsOf(theirs, 1);
    const [our] = await eventsOf(ours, 1);
    expect(their!.targetId).toBe(other.teamId);
    expect(our!.targetId).toBe(team.teamId);
    await renameTeam('Ours again');
    await eventsOf(ours, 2);
    expect(theirs.results).toHaveLength(1);
  });

  test('per event: another member’s PRIVATE secret never reaches the stream; its owner receives it', async () => {
    const operator = team.members.OPERATOR;
    const owners = await follow(team.ownerToken, { types: ['secret.created'] });
    const operators = await follow(operator.token, { types: ['secret.created'] });
    const value = `private-${crypto.randomUUID()}`;
    registerPlaintext(value);
    const mine = await createS3Secret(
      t.app,
      team,
      { secretType: 'ENV', credentials: { envVars: [{ key: 'MY_TOKEN', value }] }, shared: false },
      operator.token,
    );
    const shared = await createS3Secret(t.app, team);
    expect((await eventsOf(operators, 2)).map((event) => event.targetId)).toEqual([mine.id, shared.id]);
    expect((await eventsOf(owners, 1)).map((event) => event.targetId)).toEqual([shared.id]);
    expect(owners.results).toHaveLength(1);
  });

  test('token scopes: a LOCATIONS_READ token receives location events, not secret ones', async () => {
    const { createApiToken } = await executeOk(
      t.app,
      CreateApiToken,
      { input: { name: 'events', scopes: ['LOCATIONS_READ'] } },
      team.ownerToken,
    );
    if (createApiToken.__typename !== 'CreateApiTokenSuccess') throw new Error('no token');
    const stream = await follow(createApiToken.token, { types: ['secret.created', 'location.created'] });
    const secret = await createS3Secret(t.app, team);
    const location = await createS3Location(t.app, team, secret.id);
    const [event] = await eventsOf(stream, 1);
    expect(event).toMatchObject({ type: 'location.created', targetId: location.id });
  });

  test('a revoked token, or a member removed, ends the stream within 5 s (ACCESS_REVOKED)', async () => {
    const { createApiToken } = await executeOk(t.app, CreateApiToken, { input: { name: 'revoked' } }, team.ownerToken);
    if (createApiToken.__typename !== 'CreateApiTokenSuccess') throw new Error('no token');
    const revoked = await follow(createApiToken.token);
    const leaving = await addMember(t.db, team, 'VIEWER');
    const removed = await follow(leaving.token);
    const started = Date.now();
    await executeOk(t.app, RevokeApiToken, { input: { id: createApiToken.apiToken.id } }, team.ownerToken);
    await executeOk(t.app, RemoveTeamMember, { input: { teamId: team.teamId, userId: leaving.userId } }, team.ownerToken);
    await Promise.all([revoked.ended, removed.ended]);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const stream of [revoked, removed]) expect(stream.results.at(-1)?.errors?.[0]?.extensions?.code).toBe('ACCESS_REVOKED');
  });

  test.runIf(testDatabaseUrl !== undefined)(
    'concurrent mutations from many connections: every event once, in seq order, no gap',
    async () => {
      const stream = await follow(team.ownerToken, { types: ['secret.created'] });
      const made = await Promise.all(Array.from({ length: 30 }, () => createS3Secret(t.app, team)));
      const events = await eventsOf(stream, 30);
      expect(new Set(events.map((event) => event.targetId))).toEqual(new Set(made.map((secret) => secret.id)));
      const seqs = await sql<{ seq: string }>`
      select seq::text as seq from team_events where id = any(${events.map((event) => fromGlobalId(event.id, 'TeamEvent'))}::uuid[])`.execute(
        t.db,
      );
      const order = events.map((event) => event.cursor);
      expect([...order].sort((a, b) => seqOf(a) - seqOf(b))).toEqual(order);
      expect(seqs.rows).toHaveLength(30);
    },
  );

  test('heartbeats keep a quiet stream alive, every sseHeartbeatMs, between events only', async () => {
    const stream = await follow(team.ownerToken, { types: ['team.updated'] });
    await new Promise((resolve) => setTimeout(resolve, 20 * HEARTBEAT_MS));
    // Yoga's own ping comes every 300 ms under NODE_ENV=test (12 s otherwise): these are ours.
    expect(stream.heartbeats()).toBeGreaterThanOrEqual(10);
    await renameTeam('Between heartbeats');
    await eventsOf(stream, 1);
    expect(stream.text()).not.toMatch(/event: next\n:/);
  });

  test('no plaintext credential in any event a stream carried', () => {
    const text = open.map((stream) => stream.text()).join('\n');
    expect(findLeaks([{ where: 'event streams', text }], registeredPlaintexts())).toEqual([]);
  });
});
