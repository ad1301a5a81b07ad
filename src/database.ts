import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, type ColumnType, type Generated, type Transaction } from 'kysely';
import pg from 'pg';
import { join } from 'node:path';
import { ConflictError, ErrorCode } from './errors.ts';

type CreatedAt = ColumnType<Date, never, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export type Role = 'OWNER' | 'ADMIN' | 'OPERATOR' | 'VIEWER';

export interface UserTable {
  id: Generated<string>;
  email: string;
  name: string | null;
  created_at: CreatedAt;
}

export interface TeamTable {
  id: Generated<string>;
  name: string;
  slug: string;
  version: Generated<number>;
  created_at: CreatedAt;
  created_by: string | null;
  updated_at: UpdatedAt;
  updated_by: string | null;
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

export interface IdempotencyKeyTable {
  user_id: string;
  operation: string;
  key: string;
  request_hash: Buffer;
  result_id: string;
  /** Reset when a key older than 24 hours is claimed again. */
  created_at: ColumnType<Date, Date | undefined, Date>;
}

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

/** An envelope-encrypted payload: AES-256-GCM under a data key that the master key wraps. */
export interface SealedColumns {
  ciphertext: Buffer;
  iv: Buffer;
  auth_tag: Buffer;
  wrapped_data_key: Buffer;
  master_key_id: string;
}

/** A stored preview of one credential field; computed at write time so that reads never decrypt. */
export interface CredentialFieldPreview {
  name: string;
  envVar: string;
  maskedValue: string;
}

export interface FieldMapping {
  fieldName: string;
  reference: string;
}

export interface VaultConnectionTable extends SealedColumns {
  id: Generated<string>;
  team_id: string;
  name: string;
  /** `nameKey(name)` (src/names.ts): what uniqueness and lookups by name compare. */
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

export interface SecretTable {
  id: Generated<string>;
  team_id: string;
  name: string;
  /** `nameKey(name)` (src/names.ts): what uniqueness and lookups by name compare. */
  name_key: string;
  description: string | null;
  secret_type: string;
  auth_method: string;
  storage: 'NATIVE' | 'EXTERNAL_VAULT';
  vault_connection_id: string | null;
  field_mappings: ColumnType<FieldMapping[] | null, string | null, string | null>;
  credential_fields: ColumnType<CredentialFieldPreview[], string, string>;
  /** The previews were masked by a migration and await `remaskPreviews` (db/migrations/0010_remask_previews.ts). */
  previews_stale: Generated<boolean>;
  payload_version: number | null;
  visibility: Generated<'TEAM' | 'PRIVATE'>;
  owner_id: string | null;
  service_slug: string | null;
  workspace_access: Generated<'ALL' | 'SOME' | 'NONE'>;
  version: Generated<number>;
  last_rotated_at: Date | null;
  created_at: CreatedAt;
  created_by: string | null;
  updated_at: UpdatedAt;
  updated_by: string | null;
}

export interface SecretVersionTable {
  secret_id: string;
  version: number;
  reason: 'CREATE' | 'UPDATE' | 'ROTATE';
  ciphertext: Buffer | null;
  iv: Buffer | null;
  auth_tag: Buffer | null;
  wrapped_data_key: Buffer | null;
  master_key_id: string | null;
  created_at: CreatedAt;
  created_by: string | null;
}

export interface LocationTable {
  id: Generated<string>;
  team_id: string;
  secret_id: string;
  name: string;
  /** `nameKey(name)` (src/names.ts): what uniqueness and lookups by name compare. */
  name_key: string;
  description: string | null;
  location_type: string;
  bucket_name: string;
  region: string | null;
  endpoint_url: string | null;
  version: Generated<number>;
  created_at: CreatedAt;
  created_by: string | null;
  updated_at: UpdatedAt;
  updated_by: string | null;
}

export interface WorkspaceTable {
  id: Generated<string>;
  team_id: string;
  name: string;
  /** `nameKey(name)` (src/names.ts): what uniqueness and lookups by name compare. */
  name_key: string;
  description: string | null;
  version: Generated<number>;
  created_at: CreatedAt;
  created_by: string | null;
  updated_at: UpdatedAt;
  updated_by: string | null;
}

export interface SecretWorkspaceTable {
  secret_id: string;
  workspace_id: string;
}

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

/** Distinct SQL texts a process prepares at most; past it, new texts run unprepared. */
export const MAX_PREPARED_STATEMENTS = 500;

/** PostgreSQL's "cached plan must not change result type": a table changed under a prepared statement. */
const STALE_PLAN = '0A000';

/** One name per SQL text for the whole pool, at most `MAX_PREPARED_STATEMENTS` texts. */
function statementNames() {
  const names = new Map<string, string>();
  let issued = 0;
  return {
    /** The text's name; a new one while there is room; undefined past the cap (run it unnamed). */
    of(text: string): string | undefined {
      let name = names.get(text);
      if (!name && names.size < MAX_PREPARED_STATEMENTS) names.set(text, (name = `cloakroom_${++issued}`));
      return name;
    },
    /** A fresh name for a text whose prepared plan went stale: every connection prepares it anew. */
    renew(text: string): string {
      const name = `cloakroom_${++issued}`;
      names.set(text, name);
      return name;
    },
  };
}

/**
 * Makes `client` run each parameterised statement as a named prepared statement, one name per
 * SQL text shared by every connection of the pool: PostgreSQL parses and plans a text once per
 * connection instead of on every execution, which on a machine it shares with the API is a
 * quarter more one-secret reads per second (bench/analysis.md). Statements without parameters
 * (BEGIN, COMMIT) keep the one-message simple protocol. Past `MAX_PREPARED_STATEMENTS` texts
 * (dynamic SQL: filters, IN lists) new ones run unnamed, so the server's per-connection memory
 * stays bounded. A migration that adds or drops a column under a running server makes its
 * prepared `select *` fail once: the text is renamed and run again, so it is prepared afresh
 * (inside a transaction the retry fails like the statement did, and the request with it).
 */
function prepareStatements(client: pg.PoolClient, names: ReturnType<typeof statementNames>): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const prepared = (text: string, values: unknown[]) => {
    const name = names.of(text);
    if (!name) return query(text, values);
    return query({ name, text, values }).catch((error: unknown) => {
      if ((error as { code?: string }).code !== STALE_PLAN) throw error;
      return query({ name: names.renew(text), text, values });
    });
  };
  const named = (text: unknown, values: unknown, ...rest: unknown[]) => {
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0) return query(text, values, ...rest);
    const [callback] = rest;
    // pg-pool's `pool.query` passes a callback; Kysely awaits the promise.
    if (typeof callback !== 'function') return prepared(text, values);
    prepared(text, values).then((result) => callback(null, result), (error: unknown) => callback(error));
    return undefined;
  };
  Object.assign(client, { query: named });
}

/**
 * cloakroom's connection pool on PostgreSQL: bounded waits, errors of idle or checked-out
 * clients contained, and (by default) named prepared statements. The benchmark's raw baseline
 * runs on it too, so that both run SQL the same way.
 */
export function createPool({ databaseUrl, poolSize = 10, preparedStatements = true }: Pick<DatabaseOptions, 'poolSize' | 'preparedStatements'> & { databaseUrl: string }): pg.Pool {
  // Bounded waits: a database that silently drops packets must not hold requests (or /readyz) for minutes.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5000, statement_timeout: 15_000 });
  // An idle client losing its server (a restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const names = statementNames();
  pool.on('connect', (client) => {
    // Nor may a checked-out one (inside a transaction, between two queries): without a listener its
    // 'error' event is unhandled and kills the process. Its next query fails instead, and the pool
    // discards it on release.
    client.on('error', () => {});
    if (preparedStatements) prepareStatements(client, names);
  });
  return pool;
}

/** Opens Kysely on PostgreSQL (through a `pg` pool) or on embedded PGlite. */
export function createDatabase(options: DatabaseOptions): Kysely<Database> {
  if (options.databaseUrl) {
    const pool = createPool({ ...options, databaseUrl: options.databaseUrl });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const dataDir = options.dataDir ? join(options.dataDir, 'pgdata') : undefined;
  return new Kysely<Database>({ dialect: new PGliteDialect({ pglite: () => new PGlite(dataDir) }) });
}

/** Node's socket errors that mean the database server is unreachable or went away. */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** What `pg` says when a connection dies, cannot be made in time, or is used after it died. */
const CONNECTION_ERROR_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Connection ended/i;

/**
 * Whether `error` means the database is unavailable (down, restarting, unreachable) rather than a
 * bug: SQLSTATE class 08 (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect
 * now), a refused or reset socket, or pg's own messages for a dead or timed-out connection.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || CONNECTION_ERROR_CODES.has(code))) return true;
  if (typeof message === 'string' && CONNECTION_ERROR_MESSAGE.test(message)) return true;
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}

/** Whether a query failed on a unique constraint (PostgreSQL and PGlite both report SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** Turns a unique-name violation into ConflictError NAME_TAKEN; rethrows anything else. */
export function rethrowNameTaken(error: unknown, what: string, name: string | undefined): never {
  if (isUniqueViolation(error)) throw new ConflictError(`A ${what} named "${name}" already exists in this team`, ErrorCode.NAME_TAKEN);
  throw error;
}
