import type { ColumnType } from 'kysely';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

/** The team event outbox (db/migrations/0016_team_events.ts). Metadata only, never a value. */
export interface TeamEventTable {
  id: string;
  team_id: string;
  /** The team's event number: 1, 2, 3… with no gap, visible in this order (taken under the team's audit-chain lock). */
  seq: ColumnType<string, never, never>;
  /** The audit action (`secret.rotated`) or a scheduled event (`secret.expiring`). */
  type: string;
  occurred_at: ColumnType<Date, Date, never>;
  actor_user_id: string | null;
  actor_token_id: string | null;
  target_type: string;
  target_id: string | null;
  target_version: number | null;
  changed_fields: string[];
  /** The owner of the PRIVATE secret the event is about: nobody else receives it. */
  private_to: string | null;
  /** Scheduled events only: the same key is never written twice. */
  dedupe_key: string | null;
}
