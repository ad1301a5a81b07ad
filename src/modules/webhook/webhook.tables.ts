import type { ColumnType, Generated } from 'kysely';
import type { VersionedColumns } from '../../database/column-types.ts';
import type { SealedColumns } from '../crypto/crypto.tables.ts';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

export interface WebhookTable extends SealedColumns, VersionedColumns {
  id: string;
  team_id: string;
  /** https only. */
  url: string;
  /** The event types it receives; null: every type. */
  types: string[] | null;
  description: string | null;
  /** The version its signing secret is sealed under (bumped by each rotation). */
  secret_version: number;
}

export type WebhookDeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface WebhookDeliveryTable {
  /** Sent as `Cloakroom-Delivery`: the same for every attempt of one delivery. */
  id: Generated<string>;
  webhook_id: string;
  event_id: string;
  status: Generated<WebhookDeliveryStatus>;
  /** Attempts made (or under way); each is claimed once, by one worker. */
  attempts: Generated<number>;
  next_attempt_at: Date | null;
  response_status: number | null;
  last_error: string | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
