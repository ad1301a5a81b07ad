import type { ColumnType, Generated } from 'kysely';
import type { VersionedColumns } from '../../database/column-types.ts';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

export interface LocationTable extends VersionedColumns {
  id: Generated<string>;
  team_id: string;
  secret_id: string;
  name: string;
  /** `nameKey(name)` (src/modules/shared/names.ts): what uniqueness and lookups by name compare. */
  name_key: string;
  description: string | null;
  location_type: string;
  bucket_name: string;
  region: string | null;
  endpoint_url: string | null;
  /** Always true: with the foreign key to the secret's `live`, no location points at a secret scheduled for deletion (migration 0014). */
  secret_live: ColumnType<boolean, never, never>;
}
