import type { Generated } from 'kysely';
import type { VersionedColumns } from '../../database/column-types.ts';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

export interface WorkspaceTable extends VersionedColumns {
  id: Generated<string>;
  team_id: string;
  name: string;
  /** `nameKey(name)` (src/modules/shared/names.ts): what uniqueness and lookups by name compare. */
  name_key: string;
  description: string | null;
}
