import type { Generated } from 'kysely';
import type { CreatedAt, UpdatedAt } from '../../database/column-types.ts';
import type { SealedColumns } from '../crypto/crypto.tables.ts';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

export interface VaultConnectionTable extends SealedColumns {
  id: Generated<string>;
  team_id: string;
  name: string;
  /** `nameKey(name)` (src/modules/shared/names.ts): what uniqueness and lookups by name compare. */
  name_key: string;
  description: string | null;
  vault_type: string;
  payload_version: number;
  version: Generated<number>;
  last_rotated_at: Date | null;
  created_at: CreatedAt;
  created_by: string | null;
  updated_at: UpdatedAt;
  updated_by: string | null;
}
