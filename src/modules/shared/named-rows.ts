import { sql } from 'kysely';
import { rethrowNameTaken } from '../../database/database-errors.ts';
import { nameKey } from './names.ts';

/** What every create of a team's named object takes (with fields of its own). */
export interface NamedTeamObjectInput {
  teamId: string;
  name: string;
  description?: string | null | undefined;
}

/**
 * The columns every new named row of a team starts with: its id, team, name and description (null
 * when not given), made and last changed by `userId`.
 */
export function newNamedTeamRow(id: string, userId: string, input: NamedTeamObjectInput) {
  return { id, team_id: input.teamId, name: input.name, description: input.description ?? null, created_by: userId, updated_by: userId };
}

/** A new row of a named table with its `name_key`, the column uniqueness and lookups by name compare. */
export function withNameKey<Row extends { name: string }>(row: Row): Row & { name_key: string } {
  return { ...row, name_key: nameKey(row.name) };
}

/**
 * The SET of a change to a named, versioned row: the patch, its `name_key` when the name
 * changes, the version bumped by one and the time of the change.
 */
export function versionedNamedPatch<Patch extends { name?: string | undefined }>(patch: Patch) {
  return {
    ...patch,
    ...(patch.name !== undefined && { name_key: nameKey(patch.name) }),
    version: sql<number>`version + 1`,
    updated_at: new Date(),
  };
}

/** Awaits a write to a named row; a unique-name violation becomes ConflictError NAME_TAKEN for a `what` named `name`. */
export async function nameTakenAsConflict<T>(write: Promise<T>, what: string, name: string | undefined): Promise<T> {
  try {
    return await write;
  } catch (error) {
    return rethrowNameTaken(error, what, name);
  }
}
