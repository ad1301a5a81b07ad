import { describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { addMember, createTeamWithOwner, executeOk, type TestTeam } from '../helpers/app.ts';
import type { TeamRole } from '../gql/graphql.ts';
import {
  AcceptTeamInvitation,
  AddTeamMember,
  CreateTeam,
  DeclineTeamInvitation,
  RemoveTeamMember,
  RevokeTeamInvitation,
  UpdateMemberRole,
  UpdateTeam,
} from '../helpers/documents.ts';
import { useTestApp } from '../helpers/fixtures.ts';
import { fromGlobalId } from '../../src/graphql/global-id.ts';
import { issueToken } from '../../src/modules/auth/auth.service.ts';
import { findUserByEmail } from '../../src/modules/auth/auth.repository.ts';

const Invitations = graphql(`
  query Invitations($teamId: ID!) {
    viewer {
      invitations(first: 100) {
        edges {
          node {
            id
            teamName
            role
            email
            invitedByEmail
            team {
              id
            }
          }
        }
      }
      memberships {
        team {
          id
        }
      }
    }
    team(id: $teamId) {
      invitations(first: 100) {
        edges {
          node {
            id
            email
          }
        }
      }
    }
  }
`);

const TeamQuery = graphql(`
  query TeamById($id: ID!, $first: Int, $after: String) {
    team(id: $id) {
      id
      name
      viewerRole
      members(first: $first, after: $after) {
        edges {
          cursor
          node {
            role
            user {
              id
              email
            }
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

const NodeQuery = graphql(`
  query Nodes($id: ID!, $ids: [ID!]!) {
    node(id: $id) {
      __typename
      id
      ... on Team {
        name
      }
    }
    nodes(ids: $ids) {
      __typename
      id
    }
  }
`);

const { t, team } = useTestApp({ teamName: 'Acme Data' });

/** addTeamMember on `own`, as its OWNER unless `token` says otherwise. */
async function addTeamMember(own: TestTeam, email: string, role: TeamRole, token = own.ownerToken) {
  return (await executeOk(t.app, AddTeamMember, { input: { teamId: own.teamId, email, role } }, token)).addTeamMember;
}

/** An invitation to `own` that must be made. */
async function invite(own: TestTeam, email: string, role: TeamRole) {
  const added = await addTeamMember(own, email, role);
  if (added.__typename !== 'AddTeamMemberSuccess') throw new Error(JSON.stringify(added));
  return added.invitation;
}

/** updateMemberRole on `own`, as its OWNER unless `token` says otherwise. */
async function updateMemberRole(own: TestTeam, userId: string, role: TeamRole, token = own.ownerToken) {
  return (await executeOk(t.app, UpdateMemberRole, { input: { teamId: own.teamId, userId, role } }, token)).updateMemberRole;
}

/** A token for the user with this email (as `cli token` would issue one). */
async function tokenOf(email: string): Promise<string> {
  const user = (await findUserByEmail(t.db, email))!;
  return (await issueToken(t.db, user.id, 'invitee')).token;
}

async function issueScopedToken(userId: string): Promise<string> {
  const { token } = await issueToken(t.db, fromGlobalId(userId, 'User'), 'scoped');
  await t.db
    .updateTable('api_tokens')
    .set({ scopes: ['team:admin'] })
    .where('name', '=', 'scoped')
    .where('user_id', '=', fromGlobalId(userId, 'User'))
    .execute();
  return token;
}

const auditActions = async (teamId: string) =>
  (
    await t.db.selectFrom('audit_events').select(['action']).where('team_id', '=', fromGlobalId(teamId, 'Team')).orderBy('seq').execute()
  ).map((e) => e.action);

describe('createTeam', () => {
  test('the creator becomes OWNER; the slug derives from the name and stays unique', async () => {
    const first = await executeOk(t.app, CreateTeam, { input: { name: 'Data Platform' } }, team.ownerToken);
    const second = await executeOk(t.app, CreateTeam, { input: { name: 'Data Platform' } }, team.ownerToken);
    if (first.createTeam.__typename !== 'CreateTeamSuccess' || second.createTeam.__typename !== 'CreateTeamSuccess')
      throw new Error('expected success');
    expect(first.createTeam.team).toMatchObject({
      name: 'Data Platform',
      version: 1,
      viewerRole: 'OWNER',
      createdBy: { email: team.ownerEmail },
    });
    expect(first.createTeam.team.slug).toMatch(/^data-platform/);
    expect(second.createTeam.team.slug).not.toBe(first.createTeam.team.slug);
    expect(await auditActions(first.createTeam.team.id)).toEqual(['team.created']);
  });

  test('a taken explicit slug is a ConflictError; a bad name a ValidationError', async () => {
    const slug = `acme-${Date.now()}`;
    await executeOk(t.app, CreateTeam, { input: { name: 'A', slug } }, team.ownerToken);
    const taken = await executeOk(t.app, CreateTeam, { input: { name: 'B', slug } }, team.ownerToken);
    expect(taken.createTeam).toMatchObject({ __typename: 'ConflictError', code: 'SLUG_TAKEN' });
    for (const [input, path] of [
      [{ name: '' }, 'input.name'],
      [{ name: 'x'.repeat(101) }, 'input.name'],
      [{ name: 'ok', slug: '-Bad-' }, 'input.slug'],
    ] as const) {
      const bad = await executeOk(t.app, CreateTeam, { input }, team.ownerToken);
      expect(bad.createTeam).toMatchObject({
        __typename: 'ValidationError',
        fieldErrors: [{ path: path.split('.'), code: 'INVALID_VALUE' }],
      });
    }
  });
});

describe('updateTeam', () => {
  test('bumps the version; expectedVersion is compare-and-set', async () => {
    const own = await createTeamWithOwner(t.db);
    const ok = await executeOk(t.app, UpdateTeam, { input: { id: own.teamId, name: 'Renamed', expectedVersion: 1 } }, own.ownerToken);
    expect(ok.updateTeam).toMatchObject({ __typename: 'UpdateTeamSuccess', team: { name: 'Renamed', version: 2 } });
    const stale = await executeOk(t.app, UpdateTeam, { input: { id: own.teamId, name: 'Stale', expectedVersion: 1 } }, own.ownerToken);
    expect(stale.updateTeam).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });
    const after = await executeOk(t.app, TeamQuery, { id: own.teamId }, own.ownerToken);
    expect(after.team?.name).toBe('Renamed');
    expect(await auditActions(own.teamId)).toEqual(['team.created', 'team.updated']);
  });

  test('VIEWER and OPERATOR are Forbidden; another team is NotFound, exactly like an unknown id', async () => {
    const own = await createTeamWithOwner(t.db);
    for (const role of ['VIEWER', 'OPERATOR'] as const) {
      const member = await addMember(t.db, own, role);
      const res = await executeOk(t.app, UpdateTeam, { input: { id: own.teamId, name: 'x' } }, member.token);
      expect(res.updateTeam).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    }
    const outsider = await createTeamWithOwner(t.db);
    const foreign = await executeOk(t.app, UpdateTeam, { input: { id: own.teamId, name: 'x' } }, outsider.ownerToken);
    const unknownId = Buffer.from('Team:00000000-0000-4000-8000-000000000000').toString('base64');
    const unknown = await executeOk(t.app, UpdateTeam, { input: { id: unknownId, name: 'x' } }, outsider.ownerToken);
    expect(foreign.updateTeam).toEqual(unknown.updateTeam);
    expect(foreign.updateTeam).toMatchObject({ __typename: 'NotFoundError' });
    const garbage = await executeOk(t.app, UpdateTeam, { input: { id: '%%%', name: 'x' } }, outsider.ownerToken);
    expect(garbage.updateTeam).toMatchObject({ __typename: 'NotFoundError' });
  });
});

describe('members', () => {
  test('OWNER adds, re-roles and removes members; members page by cursor', async () => {
    const own = await createTeamWithOwner(t.db);
    const added = await invite(own, 'New.Person@Example.test', 'ADMIN');
    // A new user too joins by accepting (once they have a token).
    const invitee = await tokenOf('new.person@example.test');
    const accepted = await executeOk(t.app, AcceptTeamInvitation, { input: { id: added.id } }, invitee);
    if (accepted.acceptTeamInvitation.__typename !== 'AcceptTeamInvitationSuccess') throw new Error(JSON.stringify(accepted));
    const userId = accepted.acceptTeamInvitation.membership.user.id;
    expect(await addTeamMember(own, 'new.person@example.test', 'VIEWER')).toMatchObject({
      __typename: 'ConflictError',
      code: 'ALREADY_MEMBER',
    });

    const page1 = await executeOk(t.app, TeamQuery, { id: own.teamId, first: 1 }, own.ownerToken);
    expect(page1.team?.members.edges.map((e) => e.node.role)).toEqual(['OWNER']);
    const page2 = await executeOk(
      t.app,
      TeamQuery,
      { id: own.teamId, first: 1, after: page1.team?.members.pageInfo.endCursor },
      own.ownerToken,
    );
    expect(page2.team?.members.edges.map((e) => e.node.user.id)).toEqual([userId]);
    expect(page2.team?.members.pageInfo.hasNextPage).toBe(false);

    expect(await updateMemberRole(own, userId, 'VIEWER')).toMatchObject({ membership: { role: 'VIEWER' } });
    const removed = await executeOk(t.app, RemoveTeamMember, { input: { teamId: own.teamId, userId } }, own.ownerToken);
    expect(removed.removeTeamMember).toEqual({ __typename: 'RemoveTeamMemberSuccess', removedUserId: userId });
    expect(await auditActions(own.teamId)).toEqual([
      'team.created',
      'member.invited',
      'member.added',
      'member.role_changed',
      'member.removed',
    ]);
  });

  test('adding an existing user of another team needs their consent: an invitation they accept', async () => {
    const own = await createTeamWithOwner(t.db);
    const victim = await createTeamWithOwner(t.db);
    const invitation = await invite(own, victim.ownerEmail, 'VIEWER');
    expect(invitation).toMatchObject({
      email: victim.ownerEmail,
      role: 'VIEWER',
      invitedByEmail: own.ownerEmail,
      team: { id: own.teamId },
    });

    // Not enrolled: the team stays invisible to them until they accept.
    expect((await executeOk(t.app, TeamQuery, { id: own.teamId }, victim.ownerToken)).team).toBeNull();
    const pending = await executeOk(t.app, Invitations, { teamId: victim.teamId }, victim.ownerToken);
    expect(pending.viewer.invitations.edges.map((e) => e.node)).toEqual([
      {
        id: invitation.id,
        teamName: invitation.teamName,
        role: 'VIEWER',
        email: victim.ownerEmail,
        invitedByEmail: own.ownerEmail,
        team: null,
      },
    ]);
    expect(pending.viewer.memberships.map((m) => m.team.id)).toEqual([victim.teamId]);
    const ownersView = await executeOk(t.app, Invitations, { teamId: own.teamId }, own.ownerToken);
    expect(ownersView.team?.invitations.edges.map((e) => e.node)).toEqual([{ id: invitation.id, email: victim.ownerEmail }]);
    expect(await addTeamMember(own, victim.ownerEmail, 'ADMIN')).toMatchObject({ __typename: 'ConflictError', code: 'ALREADY_INVITED' });

    // Only the invitee accepts, and only with an unscoped token.
    const stranger = await createTeamWithOwner(t.db);
    const theirs = await executeOk(t.app, AcceptTeamInvitation, { input: { id: invitation.id } }, stranger.ownerToken);
    const unknown = await executeOk(
      t.app,
      AcceptTeamInvitation,
      { input: { id: Buffer.from('TeamInvitation:00000000-0000-4000-8000-000000000000').toString('base64') } },
      stranger.ownerToken,
    );
    expect(theirs.acceptTeamInvitation).toEqual(unknown.acceptTeamInvitation);
    expect(theirs.acceptTeamInvitation).toMatchObject({ __typename: 'NotFoundError' });
    const scoped = await issueScopedToken(victim.ownerId);
    expect((await executeOk(t.app, AcceptTeamInvitation, { input: { id: invitation.id } }, scoped)).acceptTeamInvitation).toMatchObject({
      __typename: 'ForbiddenError',
    });

    const accepted = await executeOk(t.app, AcceptTeamInvitation, { input: { id: invitation.id } }, victim.ownerToken);
    expect(accepted.acceptTeamInvitation).toMatchObject({
      __typename: 'AcceptTeamInvitationSuccess',
      membership: { role: 'VIEWER', team: { id: own.teamId }, user: { id: victim.ownerId } },
    });
    expect((await executeOk(t.app, TeamQuery, { id: own.teamId }, victim.ownerToken)).team?.viewerRole).toBe('VIEWER');
    const after = await executeOk(t.app, Invitations, { teamId: victim.teamId }, victim.ownerToken);
    expect(after.viewer.invitations.edges).toEqual([]);
    expect(
      (await executeOk(t.app, AcceptTeamInvitation, { input: { id: invitation.id } }, victim.ownerToken)).acceptTeamInvitation,
    ).toMatchObject({ __typename: 'NotFoundError' });
    expect(await auditActions(own.teamId)).toEqual(['team.created', 'member.invited', 'member.added']);
  });

  test('an invitation can be declined by its invitee or revoked by the OWNER; nobody else touches it', async () => {
    const own = await createTeamWithOwner(t.db);
    const admin = await addMember(t.db, own, 'ADMIN');
    const invitee = await createTeamWithOwner(t.db);
    const first = (await invite(own, invitee.ownerEmail, 'OPERATOR')).id;
    const declined = await executeOk(t.app, DeclineTeamInvitation, { input: { id: first } }, invitee.ownerToken);
    expect(declined.declineTeamInvitation).toEqual({ __typename: 'DeclineTeamInvitationSuccess', declinedInvitationId: first });
    expect((await executeOk(t.app, AcceptTeamInvitation, { input: { id: first } }, invitee.ownerToken)).acceptTeamInvitation).toMatchObject(
      { __typename: 'NotFoundError' },
    );
    expect((await executeOk(t.app, TeamQuery, { id: own.teamId }, invitee.ownerToken)).team).toBeNull();

    const second = (await invite(own, invitee.ownerEmail, 'OPERATOR')).id;
    // Another team's OWNER: not found; an ADMIN of the team: forbidden; the OWNER: revoked.
    const outsider = await createTeamWithOwner(t.db);
    expect(
      (await executeOk(t.app, RevokeTeamInvitation, { input: { id: second } }, outsider.ownerToken)).revokeTeamInvitation,
    ).toMatchObject({ __typename: 'NotFoundError' });
    expect(
      (await executeOk(t.app, DeclineTeamInvitation, { input: { id: second } }, outsider.ownerToken)).declineTeamInvitation,
    ).toMatchObject({ __typename: 'NotFoundError' });
    expect((await executeOk(t.app, RevokeTeamInvitation, { input: { id: second } }, admin.token)).revokeTeamInvitation).toMatchObject({
      __typename: 'ForbiddenError',
    });
    const revoked = await executeOk(t.app, RevokeTeamInvitation, { input: { id: second } }, own.ownerToken);
    expect(revoked.revokeTeamInvitation).toEqual({ __typename: 'RevokeTeamInvitationSuccess', revokedInvitationId: second });
    expect(
      (await executeOk(t.app, AcceptTeamInvitation, { input: { id: second } }, invitee.ownerToken)).acceptTeamInvitation,
    ).toMatchObject({ __typename: 'NotFoundError' });
    expect((await executeOk(t.app, TeamQuery, { id: own.teamId }, invitee.ownerToken)).team).toBeNull();
    // The CLI's member.added (the ADMIN), and the ADMIN's refused revocation, recorded as DENIED.
    expect(await auditActions(own.teamId)).toEqual([
      'team.created',
      'member.added',
      'member.invited',
      'invitation.declined',
      'member.invited',
      'team:manage-members',
      'invitation.revoked',
    ]);
  });

  test('only an OWNER manages members', async () => {
    const own = await createTeamWithOwner(t.db);
    const admin = await addMember(t.db, own, 'ADMIN');
    expect(await addTeamMember(own, 'x@example.test', 'VIEWER', admin.token)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await updateMemberRole(own, admin.userId, 'OWNER', admin.token)).toMatchObject({ __typename: 'ForbiddenError' });
  });

  test('the last OWNER can be neither demoted nor removed; with two OWNERs one can go', async () => {
    const own = await createTeamWithOwner(t.db);
    expect(await updateMemberRole(own, own.ownerId, 'ADMIN')).toMatchObject({ __typename: 'ConflictError', code: 'LAST_OWNER' });
    const remove = await executeOk(t.app, RemoveTeamMember, { input: { teamId: own.teamId, userId: own.ownerId } }, own.ownerToken);
    expect(remove.removeTeamMember).toMatchObject({ __typename: 'ConflictError', code: 'LAST_OWNER' });

    const second = await addMember(t.db, own, 'OWNER');
    const leave = await executeOk(t.app, RemoveTeamMember, { input: { teamId: own.teamId, userId: own.ownerId } }, second.token);
    expect(leave.removeTeamMember).toMatchObject({ __typename: 'RemoveTeamMemberSuccess' });
    const gone = await executeOk(t.app, TeamQuery, { id: own.teamId }, own.ownerToken);
    expect(gone.team).toBeNull();
  });
});

describe('reading teams', () => {
  test('team(id), node and nodes see only teams the viewer belongs to', async () => {
    const outsider = await createTeamWithOwner(t.db);
    expect((await executeOk(t.app, TeamQuery, { id: team.teamId }, team.ownerToken)).team).toMatchObject({
      name: 'Acme Data',
      viewerRole: 'OWNER',
    });
    expect((await executeOk(t.app, TeamQuery, { id: team.teamId }, outsider.ownerToken)).team).toBeNull();
    expect((await executeOk(t.app, TeamQuery, { id: 'garbage' }, outsider.ownerToken)).team).toBeNull();

    const mine = await executeOk(t.app, NodeQuery, { id: team.teamId, ids: [team.teamId, outsider.teamId, team.ownerId] }, team.ownerToken);
    expect(mine.node).toEqual({ __typename: 'Team', id: team.teamId, name: 'Acme Data' });
    expect(mine.nodes).toEqual([{ __typename: 'Team', id: team.teamId }, null, { __typename: 'User', id: team.ownerId }]);
    const theirs = await executeOk(t.app, NodeQuery, { id: team.teamId, ids: [team.ownerId] }, outsider.ownerToken);
    expect(theirs).toEqual({ node: null, nodes: [null] });
  });

  test('the same node asked for twice in one request resolves both times', async () => {
    const twice = await executeOk(t.app, NodeQuery, { id: team.teamId, ids: [team.teamId, team.teamId] }, team.ownerToken);
    expect(twice.node).toMatchObject({ __typename: 'Team', id: team.teamId });
    expect(twice.nodes).toEqual([
      { __typename: 'Team', id: team.teamId },
      { __typename: 'Team', id: team.teamId },
    ]);
  });

  test('a VIEWER reads the team and its members', async () => {
    const viewer = await addMember(t.db, team, 'VIEWER');
    const res = await executeOk(t.app, TeamQuery, { id: team.teamId, first: 100 }, viewer.token);
    expect(res.team?.viewerRole).toBe('VIEWER');
    expect(res.team?.members.edges.map((e) => e.node.user.email)).toContain(viewer.email);
  });
});
