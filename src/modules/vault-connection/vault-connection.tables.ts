import type { Generated } from 'kysely';
import type { VersionedColumns } from '../../database/column-types.ts';
import type { SealedColumns } from '../crypto/crypto.tables.ts';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

export interface VaultConnectionTable extends SealedColumns, VersionedColumns {
  id: Generated<string>;
  team_id: string;
  name: string;
  /** `nameKey(name)` (src/modules/shared/names.ts): what uniqueness and lookups by name compare. */
  name_key: string;
  description: string | null;
  vault_type: string;
  payload_version: number;
  last_rotated_at: Date | null;
}
