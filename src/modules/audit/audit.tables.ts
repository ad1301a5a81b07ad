import type { ColumnType, Generated } from 'kysely';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

export interface AuditEventTable {
  id: Generated<string>;
  seq: Generated<string>;
  team_id: string | null;
  actor_user_id: string | null;
  actor_token_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  changed_fields: string[];
  target_version: number | null;
  outcome: 'SUCCESS' | 'DENIED';
  request_id: string | null;
  client_ip: string | null;
  user_agent: string | null;
  created_at: ColumnType<Date, Date, never>;
  /** The hash of the previous event of the same team (null for the first). */
  prev_hash: Buffer | null;
  /** SHA-256 over prev_hash and this row (src/modules/audit/audit-chain.ts). */
  hash: Buffer;
}
