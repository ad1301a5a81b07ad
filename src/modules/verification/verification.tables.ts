import type { ColumnType } from 'kysely';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

/** One check as stored: our code and message only (verification-errors.ts), never a provider's text. */
export interface StoredCheck {
  check: 'LIST' | 'WRITE' | 'READ' | 'DELETE';
  ok: boolean;
  errorCode: string | null;
  message: string | null;
}

export interface LocationVerificationTable {
  id: string;
  team_id: string;
  location_id: string;
  secret_id: string;
  secret_version: number;
  /** The verifyLocation/verifySecret call the row belongs to: the unit of the per-team limit. */
  run_id: string;
  mode: 'READ_WRITE' | 'READ_ONLY';
  /** RUNNING while the checks run (and then the row holds one of the team's slots). */
  status: 'RUNNING' | 'PASSED' | 'FAILED';
  checks: ColumnType<StoredCheck[], string, string>;
  started_at: Date;
  duration_ms: number | null;
  verified_by: string | null;
}
