import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { ConflictError, ErrorCode } from '../../errors.ts';
import { isUniqueViolation } from '../../database/database-errors.ts';
import type { Db } from '../../database/database.ts';
import { rowsOfMember } from '../shared/rows-of-member.ts';
import { countRows } from '../../database/count.ts';
import type { MembershipTable, Role, TeamInvitationTable, TeamTable } from './team.tables.ts';
import type { KeysetPage } from '../../graphql/pagination.ts';
import { creationKeyset, paginate } from '../../database/keyset.ts';

export type TeamRow = Selectable<TeamTable>;
export type TeamWithRoleRow = TeamRow & { viewer_role: Role };
export type MembershipRow = Selectable<MembershipTable>;

/** The teams among `ids` that the user belongs to, each with the user's role. */
export async function findTeamsOfMember(db: Db, userId: string, ids: readonly string[]): Promise<TeamWithRoleRow[]> {
  if (!ids.length) return [];
  return rowsOfMember(db, 'teams', userId, ids).selectAll('teams').select('memberships.role as viewer_role').execute();
}

/** A team row as PostgreSQL's `to_json(teams)` writes it. */
export type TeamJson = Omit<TeamRow, 'created_at' | 'updated_at'> & { created_at: string; updated_at: string };

/** A team row that PostgreSQL built as JSON, as `pg` reads the row: timestamps as Dates. */
export function teamFromJson(json: TeamJson): TeamRow {
  return { ...json, created_at: new Date(json.created_at), updated_at: new Date(json.updated_at) };
}

/** The memberships among `keys` of teams the user belongs to (a membership is as visible as its team). */
export async function findMembershipsOfMember(
  db: Db,
  userId: string,
  keys: readonly { teamId: string; userId: string }[],
): Promise<MembershipRow[]> {
  if (!keys.length) return [];
  return (
    db
      .selectFrom('memberships as theirs')
      .innerJoin('memberships as mine', 'mine.team_id', 'theirs.team_id')
      .selectAll('theirs')
      .where('mine.user_id', '=', userId)
      // Two array parameters, unnested into pairs: one SQL text whatever the number of keys (see anyOf).
      .where(
        sql<boolean>`(theirs.team_id, theirs.user_id) in (select * from unnest(${keys.map((key) => key.teamId)}::uuid[], ${keys.map((key) => key.userId)}::uuid[]))`,
      )
      .execute()
  );
}

/** Every team of the user with their role, oldest membership first. */
export async function listMembershipsOfUser(db: Db, userId: string): Promise<MembershipRow[]> {
  return db.selectFrom('memberships').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('team_id').execute();
}

export async function slugExists(db: Db, slug: string): Promise<boolean> {
  return (await db.selectFrom('teams').select('id').where('slug', '=', slug).executeTakeFirst()) !== undefined;
}

export async function insertTeam(db: Db, team: Insertable<TeamTable>): Promise<TeamRow> {
  try {
    return await db.insertInto('teams').values(team).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`The slug "${team.slug}" is taken`, ErrorCode.SLUG_TAKEN);
    throw error;
  }
}

/** Reads the team and locks its row until the transaction ends: member changes and version checks serialise on it. */
export async function lockTeam(db: Db, teamId: string): Promise<TeamRow | undefined> {
  return db.selectFrom('teams').selectAll().where('id', '=', teamId).forUpdate().executeTakeFirst();
}

/** Applies a change and bumps the version by one. */
export async function updateTeam(db: Db, teamId: string, patch: Updateable<TeamTable>): Promise<TeamRow> {
  try {
    return await db
      .updateTable('teams')
      .set((eb) => ({ ...patch, version: eb('version', '+', 1), updated_at: new Date() }))
      .where('id', '=', teamId)
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`The slug "${patch.slug}" is taken`, ErrorCode.SLUG_TAKEN);
    throw error;
  }
}

export async function findMembership(db: Db, teamId: string, userId: string): Promise<MembershipRow | undefined> {
  return db.selectFrom('memberships').selectAll().where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
}

export async function insertMembership(db: Db, membership: Insertable<MembershipTable>): Promise<MembershipRow> {
  return db.insertInto('memberships').values(membership).returningAll().executeTakeFirstOrThrow();
}

export async function updateMembershipRole(db: Db, teamId: string, userId: string, role: Role): Promise<MembershipRow> {
  return db
    .updateTable('memberships')
    .set({ role })
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteMembership(db: Db, teamId: string, userId: string): Promise<void> {
  await db.deleteFrom('memberships').where('team_id', '=', teamId).where('user_id', '=', userId).execute();
}

export async function countOwners(db: Db, teamId: string): Promise<number> {
  return countRows(db.selectFrom('memberships').where('team_id', '=', teamId).where('role', '=', 'OWNER'));
}

/** A page of the team's members in the order they joined, keyset on (created_at, user_id). */
export async function listMembers(db: Db, teamId: string, page: KeysetPage): Promise<MembershipRow[]> {
  const query = db.selectFrom('memberships').selectAll().where('team_id', '=', teamId);
  return paginate(query, creationKeyset('ASC', { tiebreak: 'user_id' }), page).execute();
}

export async function anyTeamExists(db: Db): Promise<boolean> {
  return (await db.selectFrom('teams').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** An invitation with what its invitee needs to decide: the team's name and who invited them. */
export type InvitationRow = Selectable<TeamInvitationTable> & { team_name: string; email: string; invited_by_email: string | null };

function selectInvitations(db: Db) {
  return db
    .selectFrom('team_invitations')
    .innerJoin('teams', 'teams.id', 'team_invitations.team_id')
    .innerJoin('users as invitee', 'invitee.id', 'team_invitations.user_id')
    .leftJoin('users as inviter', 'inviter.id', 'team_invitations.invited_by')
    .selectAll('team_invitations')
    .select(['teams.name as team_name', 'invitee.email as email', 'inviter.email as invited_by_email']);
}

/** A new invitation; a pending one for the same user and team is a ConflictError ALREADY_INVITED. */
export async function insertInvitation(db: Db, invitation: Insertable<TeamInvitationTable>): Promise<InvitationRow> {
  let id: string;
  try {
    ({ id } = await db.insertInto('team_invitations').values(invitation).returning('id').executeTakeFirstOrThrow());
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError('This user already has a pending invitation to the team', ErrorCode.ALREADY_INVITED);
    throw error;
  }
  return (await selectInvitations(db).where('team_invitations.id', '=', id).executeTakeFirst())!;
}

export async function findInvitation(db: Db, id: string): Promise<InvitationRow | undefined> {
  return selectInvitations(db).where('team_invitations.id', '=', id).executeTakeFirst();
}

/** The invitation addressed to `userId`, locked until the transaction ends (accept and decline serialise on it). */
export async function lockInvitationOf(db: Db, id: string, userId: string): Promise<InvitationRow | undefined> {
  return selectInvitations(db)
    .where('team_invitations.id', '=', id)
    .where('team_invitations.user_id', '=', userId)
    .forUpdate('team_invitations')
    .executeTakeFirst();
}

export async function deleteInvitation(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('team_invitations').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A page of pending invitations (of a team, or to a user), oldest first, keyset on (created_at, id). */
export async function listInvitations(db: Db, where: { teamId: string } | { userId: string }, page: KeysetPage): Promise<InvitationRow[]> {
  let query = selectInvitations(db);
  query =
    'teamId' in where
      ? query.where('team_invitations.team_id', '=', where.teamId)
      : query.where('team_invitations.user_id', '=', where.userId);
  return paginate(query, creationKeyset('ASC', { table: 'team_invitations' }), page).execute();
}
