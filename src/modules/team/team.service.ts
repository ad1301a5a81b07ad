import { randomBytes, randomUUID } from 'node:crypto';
import { createOnce, type IdempotentInput } from '../idempotency/idempotency.service.ts';
import type { Context } from '../../graphql/context.ts';
import type { Db } from '../../database/database.ts';
import type { Role } from './team.tables.ts';
import { ConflictError, ErrorCode, NotFoundError } from '../../errors.ts';
import { checkExpectedVersion, type VersionedChangeInput } from '../shared/versioned-change.ts';
import { parsePageArgs, toConnection, type PageArgs } from '../../graphql/pagination.ts';
import { OPERATOR, recordAuditEvent, type AuditActor } from '../audit/audit.service.ts';
import { authorize, ensureUser, issueToken, requireUnscopedToken } from '../auth/auth.service.ts';
import * as teamRepository from './team.repository.ts';
import type { InvitationRow, MembershipRow, TeamRow } from './team.repository.ts';
import { slugify } from './team.rules.ts';
import { versionedFields, type VersionedObject } from '../shared/versioned-object.ts';
import { loadMapped } from '../shared/load-mapped.ts';

export interface Team extends VersionedObject {
  name: string;
  slug: string;
}

export interface Membership {
  teamId: string;
  userId: string;
  role: Role;
  createdAt: Date;
}

const toTeam = (row: TeamRow): Team => ({
  ...versionedFields(row),
  name: row.name,
  slug: row.slug,
});

/** A pending invitation to join a team. */
export interface TeamInvitation {
  id: string;
  teamId: string;
  teamName: string;
  /** The invitee's email. */
  email: string;
  role: Role;
  invitedByEmail: string | null;
  createdAt: Date;
}

const toInvitation = (row: InvitationRow): TeamInvitation => ({
  id: row.id,
  teamId: row.team_id,
  teamName: row.team_name,
  email: row.email,
  role: row.role,
  invitedByEmail: row.invited_by_email,
  createdAt: row.created_at,
});

const toMembership = (row: MembershipRow): Membership => ({
  teamId: row.team_id,
  userId: row.user_id,
  role: row.role,
  createdAt: row.created_at,
});

/** A free slug for a new team: the name's slug, or that with a random suffix when taken. */
async function freeSlug(db: Db, name: string): Promise<string> {
  const base = slugify(name);
  return (await teamRepository.slugExists(db, base)) ? `${base}-${randomBytes(3).toString('hex')}` : base;
}

/** Creates a team with `ownerId` as its OWNER, inside the caller's transaction. */
async function createTeamWithOwner(
  trx: Db,
  actor: AuditActor,
  ownerId: string,
  input: { id?: string; name: string; slug?: string | null | undefined },
) {
  const team = await teamRepository.insertTeam(trx, {
    ...(input.id && { id: input.id }),
    name: input.name,
    slug: input.slug ?? (await freeSlug(trx, input.name)),
    created_by: ownerId,
    updated_by: ownerId,
  });
  await teamRepository.insertMembership(trx, { team_id: team.id, user_id: ownerId, role: 'OWNER' });
  await recordAuditEvent(trx, actor, {
    teamId: team.id,
    action: 'team.created',
    targetType: 'Team',
    targetId: team.id,
    changedFields: ['name', 'slug'],
    targetVersion: team.version,
  });
  return toTeam(team);
}

export interface CreateTeamInput extends IdempotentInput {
  name: string;
  slug?: string | null | undefined;
}

/** A new team; the viewer becomes its OWNER. */
export async function createTeam(ctx: Context, input: CreateTeamInput): Promise<Team> {
  requireUnscopedToken(ctx, 'create teams');
  const id = randomUUID();
  const once = { operation: 'createTeam', key: input.idempotencyKey, input, resultId: id };
  return createOnce(ctx, once, teamRepository.lockTeam, toTeam, (trx) =>
    createTeamWithOwner(trx, ctx, ctx.viewer.userId, { ...input, id }),
  );
}

/**
 * Operator bootstrap: a team, its OWNER (found or created by email) and a token for them.
 * Runs with server-side access, not through the API, so it has no viewer to authorise.
 */
export async function bootstrapTeam(db: Db, input: { teamName: string; email: string }) {
  return db.transaction().execute(async (trx) => {
    const user = await ensureUser(trx, input.email);
    const team = await createTeamWithOwner(trx, OPERATOR, user.id, { name: input.teamName });
    const { token } = await issueToken(trx, user.id, 'bootstrap');
    return { team, user, token };
  });
}

/**
 * Operator: a token for `email` in the team, adding the user with `role` if they are not a member
 * yet. Enrols directly, without an invitation: it runs with server-side access (the database and
 * the master key), which no API caller has, so no tenant can use it to enrol someone.
 */
export async function issueMemberToken(db: Db, input: { teamId: string; email: string; role: Role; tokenName: string }) {
  return db.transaction().execute(async (trx) => {
    if (!(await teamRepository.lockTeam(trx, input.teamId))) throw new NotFoundError('Team not found');
    const user = await ensureUser(trx, input.email);
    if (!(await teamRepository.findMembership(trx, input.teamId, user.id))) {
      await teamRepository.insertMembership(trx, { team_id: input.teamId, user_id: user.id, role: input.role });
      await recordAuditEvent(trx, OPERATOR, {
        teamId: input.teamId,
        action: 'member.added',
        targetType: 'User',
        targetId: user.id,
        changedFields: ['role'],
      });
    }
    const { token } = await issueToken(trx, user.id, input.tokenName);
    return { user, token };
  });
}

export interface UpdateTeamInput extends VersionedChangeInput {
  name?: string | null | undefined;
  slug?: string | null | undefined;
}

export async function updateTeam(ctx: Context, input: UpdateTeamInput): Promise<Team> {
  await authorize(ctx, input.id, 'team:update');
  return ctx.db.transaction().execute(async (trx) => {
    const current = await teamRepository.lockTeam(trx, input.id);
    if (!current) throw new NotFoundError('Team not found');
    checkExpectedVersion('team', current, input.expectedVersion);
    const patch = { ...(input.name != null && { name: input.name }), ...(input.slug != null && { slug: input.slug }) };
    const team = await teamRepository.updateTeam(trx, input.id, { ...patch, updated_by: ctx.viewer.userId });
    await recordAuditEvent(trx, ctx, {
      teamId: team.id,
      action: 'team.updated',
      targetType: 'Team',
      targetId: team.id,
      changedFields: Object.keys(patch),
      targetVersion: team.version,
    });
    return toTeam(team);
  });
}

/**
 * Invites a user (found or created by email) to the team: they join only by accepting
 * (`acceptTeamInvitation`). Nobody is enrolled in a team without agreeing, and the answer is the
 * same whether the email had a user or not, so it tells nothing about other teams' users.
 */
export async function inviteTeamMember(ctx: Context, input: { teamId: string; email: string; role: Role }): Promise<TeamInvitation> {
  await authorize(ctx, input.teamId, 'team:manage-members');
  return ctx.db.transaction().execute(async (trx) => {
    await teamRepository.lockTeam(trx, input.teamId);
    const user = await ensureUser(trx, input.email);
    if (await teamRepository.findMembership(trx, input.teamId, user.id))
      throw new ConflictError(`${input.email} is already a member`, ErrorCode.ALREADY_MEMBER);
    const invitation = await teamRepository.insertInvitation(trx, {
      team_id: input.teamId,
      user_id: user.id,
      role: input.role,
      invited_by: ctx.viewer.userId,
    });
    await recordAuditEvent(trx, ctx, {
      teamId: input.teamId,
      action: 'member.invited',
      targetType: 'TeamInvitation',
      targetId: invitation.id,
      changedFields: ['role'],
    });
    return toInvitation(invitation);
  });
}

/** Joins the team of an invitation addressed to the viewer, with its role; the invitation is used up. */
export async function acceptTeamInvitation(ctx: Context, invitationId: string): Promise<Membership> {
  // Joining a team widens what every token of the user reaches: an account-level act.
  requireUnscopedToken(ctx, 'accept invitations');
  return ctx.db.transaction().execute(async (trx) => {
    const invitation = await teamRepository.lockInvitationOf(trx, invitationId, ctx.viewer.userId);
    if (!invitation) throw new NotFoundError('No pending invitation of yours has this id');
    await teamRepository.lockTeam(trx, invitation.team_id);
    if (await teamRepository.findMembership(trx, invitation.team_id, ctx.viewer.userId))
      throw new ConflictError('You are already a member of this team: decline the invitation', ErrorCode.ALREADY_MEMBER);
    const membership = await teamRepository.insertMembership(trx, {
      team_id: invitation.team_id,
      user_id: ctx.viewer.userId,
      role: invitation.role,
    });
    await teamRepository.deleteInvitation(trx, invitation.id);
    await recordAuditEvent(trx, ctx, {
      teamId: invitation.team_id,
      action: 'member.added',
      targetType: 'User',
      targetId: ctx.viewer.userId,
      changedFields: ['role'],
    });
    return toMembership(membership);
  });
}

/** Refuses an invitation addressed to the viewer (any of their tokens may). */
export async function declineTeamInvitation(ctx: Context, invitationId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const invitation = await teamRepository.lockInvitationOf(trx, invitationId, ctx.viewer.userId);
    if (!invitation) throw new NotFoundError('No pending invitation of yours has this id');
    await teamRepository.deleteInvitation(trx, invitation.id);
    await recordAuditEvent(trx, ctx, {
      teamId: invitation.team_id,
      action: 'invitation.declined',
      targetType: 'TeamInvitation',
      targetId: invitation.id,
    });
  });
}

/** Withdraws a pending invitation of the team (OWNER only); another team's invitation looks unknown. */
export async function revokeTeamInvitation(ctx: Context, invitationId: string): Promise<void> {
  const invitation = await teamRepository.findInvitation(ctx.db, invitationId);
  if (!invitation) throw new NotFoundError('No pending invitation has this id');
  await authorize(ctx, invitation.team_id, 'team:manage-members');
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await teamRepository.deleteInvitation(trx, invitation.id))) throw new NotFoundError('No pending invitation has this id');
    await recordAuditEvent(trx, ctx, {
      teamId: invitation.team_id,
      action: 'invitation.revoked',
      targetType: 'TeamInvitation',
      targetId: invitation.id,
    });
  });
}

/** The team's pending invitations (OWNER only: they name people who are not members). */
export async function listTeamInvitations(ctx: Context, teamId: string, args: PageArgs) {
  await authorize(ctx, teamId, 'team:manage-members');
  const page = parsePageArgs(args, 'timestamp');
  const rows = await teamRepository.listInvitations(ctx.db, { teamId }, page);
  return toConnection(rows, page, (row) => [row.created_at.toISOString(), row.id], toInvitation);
}

/** The viewer's pending invitations, oldest first. */
export async function listViewerInvitations(ctx: Context, args: PageArgs) {
  const page = parsePageArgs(args, 'timestamp');
  const rows = await teamRepository.listInvitations(ctx.db, { userId: ctx.viewer.userId }, page);
  return toConnection(rows, page, (row) => [row.created_at.toISOString(), row.id], toInvitation);
}

/**
 * Locks the team, finds the member, and refuses to leave the team without an OWNER.
 * The team lock makes two owners demoting each other at once run one after the other.
 */
async function lockMemberChange(trx: Db, teamId: string, userId: string, newRole: Role | null): Promise<MembershipRow> {
  await teamRepository.lockTeam(trx, teamId);
  const membership = await teamRepository.findMembership(trx, teamId, userId);
  if (!membership) throw new NotFoundError('No member with this id in the team');
  if (membership.role === 'OWNER' && newRole !== 'OWNER' && (await teamRepository.countOwners(trx, teamId)) === 1) {
    throw new ConflictError('A team must keep at least one OWNER: make someone else OWNER first', ErrorCode.LAST_OWNER);
  }
  return membership;
}

export async function updateMemberRole(ctx: Context, input: { teamId: string; userId: string; role: Role }): Promise<Membership> {
  await authorize(ctx, input.teamId, 'team:manage-members');
  return ctx.db.transaction().execute(async (trx) => {
    await lockMemberChange(trx, input.teamId, input.userId, input.role);
    const membership = await teamRepository.updateMembershipRole(trx, input.teamId, input.userId, input.role);
    await recordAuditEvent(trx, ctx, {
      teamId: input.teamId,
      action: 'member.role_changed',
      targetType: 'User',
      targetId: input.userId,
      changedFields: ['role'],
    });
    return toMembership(membership);
  });
}

export async function removeTeamMember(ctx: Context, input: { teamId: string; userId: string }): Promise<void> {
  await authorize(ctx, input.teamId, 'team:manage-members');
  await ctx.db.transaction().execute(async (trx) => {
    await lockMemberChange(trx, input.teamId, input.userId, null);
    await teamRepository.deleteMembership(trx, input.teamId, input.userId);
    await recordAuditEvent(trx, ctx, { teamId: input.teamId, action: 'member.removed', targetType: 'User', targetId: input.userId });
  });
}

/** Whether the user is a member of the team (any role). */
export async function isTeamMember(db: Db, teamId: string, userId: string): Promise<boolean> {
  return (await teamRepository.findMembership(db, teamId, userId)) !== undefined;
}

/** The team if the viewer belongs to it, else null (another team's id looks like an unknown one). */
export async function loadTeam(ctx: Context, teamId: string): Promise<Team | null> {
  return loadMapped(ctx.loaders.team, teamId, toTeam);
}

export async function listTeamMembers(ctx: Context, teamId: string, args: PageArgs) {
  await authorize(ctx, teamId, 'team:read');
  const page = parsePageArgs(args, 'timestamp');
  const rows = await teamRepository.listMembers(ctx.db, teamId, page);
  return toConnection(rows, page, (row) => [row.created_at.toISOString(), row.user_id], toMembership);
}

/** A membership of one of the viewer's teams, by `compositeId(teamId, userId)`; null otherwise. */
export async function loadMembership(ctx: Context, key: string): Promise<Membership | null> {
  return loadMapped(ctx.loaders.membership, key, toMembership);
}

export async function listViewerMemberships(ctx: Context): Promise<Membership[]> {
  return (await teamRepository.listMembershipsOfUser(ctx.db, ctx.viewer.userId)).map(toMembership);
}
