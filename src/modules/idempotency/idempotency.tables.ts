import type { ColumnType } from 'kysely';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

export interface IdempotencyKeyTable {
  user_id: string;
  operation: string;
  key: string;
  request_hash: Buffer;
  result_id: string;
  /** Reset when a key older than 24 hours is claimed again. */
  created_at: ColumnType<Date, Date | undefined, Date>;
}
