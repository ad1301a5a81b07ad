import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../database/database.ts';
import { rowsOfMember } from '../shared/rows-of-member.ts';
import { anyOf } from '../../database/any.ts';
import type { WorkspaceTable } from './workspace.tables.ts';
import { nameTakenAsConflict, versionedNamedPatch, withNameKey } from '../shared/named-rows.ts';
import { paginateInOrder, DEFAULT_ORDER } from '../../database/keyset.ts';
import type { KeysetPage } from '../../graphql/pagination.ts';

export type WorkspaceRow = Selectable<WorkspaceTable>;

/** Workspaces among `ids` in teams the user belongs to. */
export async function findWorkspacesOfMember(db: Db, userId: string, ids: readonly string[]): Promise<WorkspaceRow[]> {
  if (!ids.length) return [];
  return rowsOfMember(db, 'workspaces', userId, ids).selectAll('workspaces').execute();
}

/** The ids among `ids` that are workspaces of the team. */
export async function findTeamWorkspaceIds(db: Db, teamId: string, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db.selectFrom('workspaces').select('id').where('team_id', '=', teamId).where('id', 'in', ids).execute();
  return new Set(rows.map((row) => row.id));
}

export async function insertWorkspace(db: Db, row: Omit<Insertable<WorkspaceTable>, 'name_key'>): Promise<WorkspaceRow> {
  return nameTakenAsConflict(
    db.insertInto('workspaces').values(withNameKey(row)).returningAll().executeTakeFirstOrThrow(),
    'workspace',
    row.name,
  );
}

export async function lockWorkspace(db: Db, id: string): Promise<WorkspaceRow | undefined> {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Applies a change and bumps the version by one. */
export async function updateWorkspace(db: Db, id: string, patch: Omit<Updateable<WorkspaceTable>, 'name_key'>): Promise<WorkspaceRow> {
  return nameTakenAsConflict(
    db.updateTable('workspaces').set(versionedNamedPatch(patch)).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
    'workspace',
    patch.name,
  );
}

/** Deletes the workspace; its rows in secret_workspaces go with it (ON DELETE CASCADE), in the same statement. */
export async function deleteWorkspace(db: Db, id: string): Promise<void> {
  await db.deleteFrom('workspaces').where('id', '=', id).execute();
}

export async function listWorkspaces(db: Db, teamId: string, page: KeysetPage) {
  return paginateInOrder(
    db.selectFrom('workspaces').selectAll('workspaces').where('workspaces.team_id', '=', teamId),
    'workspaces',
    DEFAULT_ORDER,
    page,
  ).execute();
}

/** Replaces the set of workspaces a secret is available in. */
export async function setSecretWorkspaces(db: Db, secretId: string, workspaceIds: readonly string[]): Promise<void> {
  await db.deleteFrom('secret_workspaces').where('secret_id', '=', secretId).execute();
  if (workspaceIds.length) {
    await db
      .insertInto('secret_workspaces')
      .values(workspaceIds.map((workspaceId) => ({ secret_id: secretId, workspace_id: workspaceId })))
      .execute();
  }
}

/** The allowed workspaces of several secrets, by name, in one statement. */
export async function findWorkspacesOfSecrets(db: Db, secretIds: readonly string[]) {
  if (!secretIds.length) return [];
  return db
    .selectFrom('secret_workspaces')
    .innerJoin('workspaces', 'workspaces.id', 'secret_workspaces.workspace_id')
    .selectAll('workspaces')
    .select('secret_workspaces.secret_id')
    .where('secret_workspaces.secret_id', '=', anyOf(secretIds))
    .orderBy((eb) => eb.fn('lower', ['workspaces.name']))
    .execute();
}
