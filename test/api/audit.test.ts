import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { addMember, createTeamWithOwner, execute, executeOk } from '../helpers/app.ts';
import { UpdateTeam } from '../helpers/documents.ts';
import { useTestApp } from '../helpers/fixtures.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { fromGlobalId } from '../../src/graphql/global-id.ts';
import { verifyAuditChain } from '../../src/modules/audit/audit.service.ts';

const AuditEvents = graphql(`
  query AuditEvents($teamId: ID!, $first: Int, $after: String, $filter: AuditEventFilter) {
    team(id: $teamId) {
      auditEvents(first: $first, after: $after, filter: $filter) {
        edges {
          node {
            id
            action
            outcome
            actor {
              id
            }
            actorTokenId
            targetType
            targetId
            changedFields
            targetVersion
            requestId
            userAgent
            createdAt
          }
        }
        pageInfo {
          ...PageInfoFields
        }
      }
    }
  }
`);

const { t, team } = useTestApp();

const teamRowId = () => fromGlobalId(team.teamId, 'Team');

describe('Team.auditEvents', () => {
  test('lists events newest first with actor, target, changed field names and request metadata', async () => {
    const res = await t.app.fetch('http://cloakroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${team.ownerToken}`, 'user-agent': 'audit-test/1.0' },
      body: JSON.stringify({
        query: 'mutation($input: UpdateTeamInput!) { updateTeam(input: $input) { __typename } }',
        variables: { input: { id: team.teamId, name: 'Audited' } },
      }),
    });
    const requestId = res.headers.get('x-request-id');
    const data = await executeOk(t.app, AuditEvents, { teamId: team.teamId, first: 10 }, team.ownerToken);
    const [latest, first] = data.team!.auditEvents.edges.map((e) => e.node);
    expect(latest).toMatchObject({
      action: 'team.updated',
      outcome: 'SUCCESS',
      actor: { id: team.ownerId },
      actorTokenId: expect.any(String),
      targetType: 'Team',
      targetId: team.teamId,
      changedFields: ['name'],
      targetVersion: 2,
      requestId,
      userAgent: 'audit-test/1.0',
    });
    expect(first).toMatchObject({ action: 'team.created', actor: null });
  });

  test('request metadata is stored capped at 256 characters (a client chooses its User-Agent)', async () => {
    const own = await createTeamWithOwner(t.db);
    const userAgent = `big-agent/${'x'.repeat(15_000)}`;
    const res = await t.app.fetch('http://cloakroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${own.ownerToken}`, 'user-agent': userAgent },
      body: JSON.stringify({
        query: 'mutation($input: UpdateTeamInput!) { updateTeam(input: $input) { __typename } }',
        variables: { input: { id: own.teamId, name: 'Long agent' } },
      }),
    });
    expect(res.status).toBe(200);
    const row = await t.db
      .selectFrom('audit_events')
      .select('user_agent')
      .where('team_id', '=', fromGlobalId(own.teamId, 'Team'))
      .where('action', '=', 'team.updated')
      .executeTakeFirstOrThrow();
    expect(row.user_agent).toBe(userAgent.slice(0, 256));
    expect(await verifyAuditChain(t.db, fromGlobalId(own.teamId, 'Team'))).toMatchObject({ ok: true });
  });

  test('filters by action, actor, target and time, and pages by cursor', async () => {
    const own = await createTeamWithOwner(t.db);
    for (const name of ['a', 'b', 'c']) await executeOk(t.app, UpdateTeam, { input: { id: own.teamId, name } }, own.ownerToken);
    const updates = await executeOk(
      t.app,
      AuditEvents,
      { teamId: own.teamId, first: 2, filter: { action: 'team.updated', actorId: own.ownerId, targetId: own.teamId } },
      own.ownerToken,
    );
    expect(updates.team!.auditEvents.edges.map((e) => e.node.targetVersion)).toEqual([4, 3]);
    const rest = await executeOk(
      t.app,
      AuditEvents,
      { teamId: own.teamId, first: 2, after: updates.team!.auditEvents.pageInfo.endCursor, filter: { action: 'team.updated' } },
      own.ownerToken,
    );
    expect(rest.team!.auditEvents.edges.map((e) => e.node.targetVersion)).toEqual([2]);
    const future = await executeOk(
      t.app,
      AuditEvents,
      { teamId: own.teamId, filter: { since: new Date(Date.now() + 60_000).toISOString() } },
      own.ownerToken,
    );
    expect(future.team!.auditEvents.edges).toEqual([]);
  });

  test('VIEWER and OPERATOR get FORBIDDEN (a typed top-level error), and the refusal itself is recorded', async () => {
    const viewer = await addMember(t.db, team, 'VIEWER');
    const res = await execute(t.app, AuditEvents, { teamId: team.teamId }, viewer.token);
    expect(res.status).toBe(200);
    expect(res.body.errors?.[0]).toMatchObject({ message: expect.stringContaining('audit:read'), extensions: { code: 'FORBIDDEN' } });
    await executeOk(t.app, UpdateTeam, { input: { id: team.teamId, name: 'nope' } }, viewer.token);
    const denied = await executeOk(t.app, AuditEvents, { teamId: team.teamId, filter: { actorId: viewer.userId } }, team.ownerToken);
    expect(denied.team!.auditEvents.edges.map((e) => [e.node.action, e.node.outcome])).toEqual([
      ['team:update', 'DENIED'],
      ['audit:read', 'DENIED'],
    ]);
  });
});

describe('append-only, hash-chained', () => {
  test('the table refuses UPDATE and DELETE', async () => {
    await expect(sql`update audit_events set action = 'forged' where team_id = ${teamRowId()}`.execute(t.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_events where team_id = ${teamRowId()}`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  test('the chain verifies, and an edited row breaks it exactly there', async () => {
    const own = await createTeamWithOwner(t.db);
    for (const name of ['x', 'y', 'z']) await executeOk(t.app, UpdateTeam, { input: { id: own.teamId, name } }, own.ownerToken);
    const teamId = fromGlobalId(own.teamId, 'Team');
    expect(await verifyAuditChain(t.db, teamId)).toEqual({ events: 4, ok: true, firstBrokenEventId: null });

    // Tampering needs the trigger out of the way, as a database superuser could do.
    const victim = await t.db
      .selectFrom('audit_events')
      .select('id')
      .where('team_id', '=', teamId)
      .where('target_version', '=', 3)
      .executeTakeFirstOrThrow();
    await sql`alter table audit_events disable trigger audit_events_append_only`.execute(t.db);
    try {
      await sql`update audit_events set changed_fields = '{}' where id = ${victim.id}`.execute(t.db);
    } finally {
      await sql`alter table audit_events enable trigger audit_events_append_only`.execute(t.db);
    }
    expect(await verifyAuditChain(t.db, teamId)).toEqual({ events: 3, ok: false, firstBrokenEventId: victim.id });
  });

  test.runIf(testDatabaseUrl)('cli audit-verify reports the verdict as JSON and exits 1 on a broken chain', async () => {
    const own = await createTeamWithOwner(t.db);
    const env = { ...process.env, DATABASE_URL: testDatabaseUrl, CLOAKROOM_MASTER_KEY: randomBytes(32).toString('base64') };
    const verify = () => spawnSync(process.execPath, ['src/cli.ts', 'audit-verify', '--team', own.teamId], { env, encoding: 'utf8' });
    const good = verify();
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({ teamId: own.teamId, events: 1, ok: true, firstBrokenEventId: null });

    const teamId = fromGlobalId(own.teamId, 'Team');
    await sql`alter table audit_events disable trigger audit_events_append_only`.execute(t.db);
    try {
      await sql`update audit_events set action = 'team.forged' where team_id = ${teamId}`.execute(t.db);
    } finally {
      await sql`alter table audit_events enable trigger audit_events_append_only`.execute(t.db);
    }
    const bad = verify();
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, firstBrokenEventId: expect.any(String) });
  });

  test('concurrent writes to one team still form a single unbroken chain', async () => {
    const own = await createTeamWithOwner(t.db);
    await Promise.all(
      Array.from({ length: 15 }, (_, i) => executeOk(t.app, UpdateTeam, { input: { id: own.teamId, name: `n${i}` } }, own.ownerToken)),
    );
    expect(await verifyAuditChain(t.db, fromGlobalId(own.teamId, 'Team'))).toEqual({ events: 16, ok: true, firstBrokenEventId: null });
  });
});
