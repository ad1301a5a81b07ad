import type { Generated } from 'kysely';
import type { CreatedAt, VersionedColumns } from '../../database/column-types.ts';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

export type Role = 'OWNER' | 'ADMIN' | 'OPERATOR' | 'VIEWER';

export interface UserTable {
  id: Generated<string>;
  email: string;
  name: string | null;
  created_at: CreatedAt;
}

export interface TeamTable extends VersionedColumns {
  id: Generated<string>;
  name: string;
  slug: string;
}

export interface MembershipTable {
  team_id: string;
  user_id: string;
  role: Role;
  created_at: CreatedAt;
}

/** A pending invitation to join a team (accepted, declined or revoked: the row is gone). */
export interface TeamInvitationTable {
  id: Generated<string>;
  team_id: string;
  user_id: string;
  role: Role;
  invited_by: string | null;
  created_at: CreatedAt;
}
