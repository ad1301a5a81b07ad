import { Kysely, PGliteDialect, PostgresDialect, type Transaction } from 'kysely';
import type pg from 'pg';
import { join } from 'node:path';
import type { AuditEventTable } from '../modules/audit/audit.tables.ts';
import type { ApiTokenTable } from '../modules/auth/auth.tables.ts';
import type { IdempotencyKeyTable } from '../modules/idempotency/idempotency.tables.ts';
import type { LocationTable } from '../modules/location/location.tables.ts';
import type { SecretTable, SecretVersionTable, SecretWorkspaceTable } from '../modules/secret/secret.tables.ts';
import type { MembershipTable, TeamInvitationTable, TeamTable, UserTable } from '../modules/team/team.tables.ts';
import type { TeamEventTable } from '../modules/events/events.tables.ts';
import type { WebhookDeliveryTable, WebhookTable } from '../modules/webhook/webhook.tables.ts';
import type { LocationVerificationTable } from '../modules/verification/verification.tables.ts';
import type { VaultConnectionTable } from '../modules/vault-connection/vault-connection.tables.ts';
import type { WorkspaceTable } from '../modules/workspace/workspace.tables.ts';
import { createPool } from './pool.ts';

/** The database schema as Kysely sees it; one interface per table, in snake_case like the SQL. */
export interface Database {
  users: UserTable;
  teams: TeamTable;
  memberships: MembershipTable;
  team_invitations: TeamInvitationTable;
  api_tokens: ApiTokenTable;
  audit_events: AuditEventTable;
  vault_connections: VaultConnectionTable;
  secrets: SecretTable;
  secret_versions: SecretVersionTable;
  locations: LocationTable;
  workspaces: WorkspaceTable;
  secret_workspaces: SecretWorkspaceTable;
  idempotency_keys: IdempotencyKeyTable;
  team_events: TeamEventTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
  location_verifications: LocationVerificationTable;
}

/** A connection or an open transaction: what every repository function takes first. */
export type Db = Kysely<Database> | Transaction<Database>;

export interface DatabaseOptions {
  /** PostgreSQL connection string; without it, PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite's data directory; without it (and without databaseUrl) the database lives in memory. */
  dataDir?: string | undefined;
  /** Pool size for PostgreSQL. @default 10 */
  poolSize?: number;
  /**
   * Run parameterised statements as named prepared statements (PostgreSQL only; see
   * `prepareStatements`). Off for poolers that cannot keep them (PgBouncer in transaction mode
   * before 1.21). @default true
   */
  preparedStatements?: boolean;
}

/** The pool behind each PostgreSQL database, for `poolStatsOf`. */
const pools = new WeakMap<Kysely<Database>, pg.Pool>();

/** Opens Kysely on PostgreSQL (through a `pg` pool) or on embedded PGlite. */
export function createDatabase(options: DatabaseOptions): Kysely<Database> {
  if (options.databaseUrl) {
    const pool = createPool({ ...options, databaseUrl: options.databaseUrl });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    return db;
  }
  const dataDir = options.dataDir ? join(options.dataDir, 'pgdata') : undefined;
  // Imported when first connecting: a server on PostgreSQL never loads it.
  const pglite = async () => new (await import('@electric-sql/pglite')).PGlite(dataDir);
  return new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
}

/** How busy a PostgreSQL database's pool is (for metrics); null on PGlite, which has no pool. */
export function poolStatsOf(db: Kysely<Database>): { total: number; idle: number; waiting: number; max: number } | null {
  const pool = pools.get(db);
  return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 } : null;
}
