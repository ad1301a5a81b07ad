import type { Generated } from 'kysely';
import type { CreatedAt } from '../../database/column-types.ts';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

export interface ApiTokenTable {
  id: Generated<string>;
  user_id: string;
  /** The public part of the token, used to find the row before the constant-time hash compare. */
  lookup_id: string;
  /** SHA-256 of the secret part; the token itself is never stored. */
  secret_hash: Buffer;
  name: string;
  created_at: CreatedAt;
  expires_at: Date | null;
  revoked_at: Date | null;
  /** null: unrestricted (the user's role decides); otherwise the token's scopes. */
  scopes: string[] | null;
}
