import type { Selectable } from 'kysely';
import type { VersionedColumns } from '../../database/column-types.ts';

/** What every versioned object of a team shows besides its own fields: its id, its `version` and who made and last changed it, when. */
export interface VersionedObject {
  id: string;
  version: number;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  updatedBy: string | null;
}

/** A versioned object that belongs to a team (all of them but the team itself). */
export interface TeamObject extends VersionedObject {
  teamId: string;
}

/** A team's object with a name unique in the team and a description: secrets, locations, vault connections, workspaces. */
export interface NamedTeamObject extends TeamObject {
  name: string;
  description: string | null;
}

/** A row with the columns behind `VersionedObject`. */
type VersionedColumnsRow = Selectable<VersionedColumns> & { id: string };

/** The `VersionedObject` fields of a row: the part every module's row-to-object mapping shares. */
export function versionedFields(row: VersionedColumnsRow): VersionedObject {
  return {
    id: row.id,
    version: row.version,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/** The `TeamObject` fields of a team's row. */
export function teamObjectFields(row: VersionedColumnsRow & { team_id: string }): TeamObject {
  return { ...versionedFields(row), teamId: row.team_id };
}

/** The `NamedTeamObject` fields of a team's named row. */
export function namedTeamObjectFields(
  row: VersionedColumnsRow & { team_id: string; name: string; description: string | null },
): NamedTeamObject {
  return { ...teamObjectFields(row), name: row.name, description: row.description };
}
