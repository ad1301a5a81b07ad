import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { clientAddressResolver } from './http/client-address.ts';
import { parseAllowedHost } from './modules/outbound/outbound-guard.ts';

/** Everything the process reads from its environment, parsed once at start. */
export interface Config {
  port: number;
  /** Interface to listen on (HOST): 127.0.0.1 in embedded (development) mode, every interface with DATABASE_URL. */
  host: string | undefined;
  /** Time to receive a request's headers (CLOAKROOM_HEADERS_TIMEOUT_MS). @default 10_000 */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (CLOAKROOM_BODY_TIMEOUT_MS). @default 30_000 */
  bodyTimeoutMs: number;
  /** Largest response body (CLOAKROOM_MAX_RESPONSE_BYTES); unset keeps useResponseLimit's default. */
  maxResponseBytes: number | undefined;
  /** PostgreSQL connection string; unset means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Run migrations when the server starts. @default true */
  migrateOnStart: boolean;
  /** Origins allowed to call the API from a browser. @default [] (none) */
  corsOrigins: string[];
  logLevel: string;
  production: boolean;
  /** Redis for shared rate-limit counters and team event wake-ups; unset means both stay in this process. */
  redisUrl: string | undefined;
  /** A streaming replica queries read from (DATABASE_REPLICA_URL, PostgreSQL only); unset: everything on the primary. */
  databaseReplicaUrl: string | undefined;
  /** Past this replay lag the replica is skipped (CLOAKROOM_REPLICA_MAX_LAG_MS). @default 5000 */
  replicaMaxLagMs: number;
  /** Prefix of the Redis pub/sub channels (CLOAKROOM_REDIS_CHANNEL_PREFIX): pub/sub ignores the database number. @default 'cloakroom:' */
  redisChannelPrefix: string;
  /** How often each followed team's event stream is read even without a wake-up (CLOAKROOM_EVENTS_POLL_MS). @default 2_000 */
  eventsPollMs: number;
  /** Time between two heartbeats of an open event stream (CLOAKROOM_SSE_HEARTBEAT_MS). @default 15_000 */
  sseHeartbeatMs: number;
  /** Time between two passes of the scheduled events job (CLOAKROOM_SCHEDULED_EVENTS_INTERVAL_MS). @default 60_000 */
  scheduledEventsIntervalMs: number;
  /** How often each server looks for due webhook deliveries (CLOAKROOM_WEBHOOK_POLL_MS). @default 1_000 */
  webhookPollMs: number;
  /** A failed delivery's first retry delay, doubling after each further failure (CLOAKROOM_WEBHOOK_RETRY_BASE_MS). @default 30_000 */
  webhookRetryBaseMs: number;
  /** The manifest of the only operations allowed (CLOAKROOM_PERSISTED_OPERATIONS); unset: any operation. */
  persistedOperations: Record<string, string> | undefined;
  /** Whole-request deadline (CLOAKROOM_REQUEST_TIMEOUT_MS); unset keeps useRequestDeadline's default. */
  requestTimeoutMs: number | undefined;
  /** graphql-jit for eligible queries (CLOAKROOM_COMPILE_QUERIES, default on). */
  compileQueries: boolean;
  /** Named prepared statements on PostgreSQL (CLOAKROOM_PREPARED_STATEMENTS, default on). */
  preparedStatements: boolean;
  /** Proxies whose X-Forwarded-For names the client (CLOAKROOM_TRUSTED_PROXIES); empty: none. */
  trustedProxies: string[];
  /** Prometheus metrics (CLOAKROOM_METRICS=true). @default false */
  metrics: boolean;
  /** Serve the metrics on this port instead of the API's /metrics (CLOAKROOM_METRICS_PORT). */
  metricsPort: number | undefined;
  /**
   * How often this server purges the secrets whose recovery window has ended
   * (CLOAKROOM_PURGE_INTERVAL_MS; every server runs the sweep, SKIP LOCKED keeps them apart). @default 60_000
   */
  purgeIntervalMs: number;
  /**
   * Hosts, addresses and CIDR ranges outbound requests (verification, webhooks) may reach although
   * they are not public (CLOAKROOM_OUTBOUND_ALLOWED_HOSTS). @default [] (public addresses only)
   */
  outboundAllowedHosts: string[];
  /** PEM certificates outbound requests trust besides Node's roots (read from CLOAKROOM_OUTBOUND_CA_FILE). */
  outboundExtraCa: string | undefined;
  /** Per-minute limits from the environment; unset ones keep useRateLimit's defaults, 0 turns one off. */
  rateLimit: {
    perToken: { queries?: number; mutations?: number };
    perTeam: { queries?: number; mutations?: number };
    unauthenticatedPerIp?: number;
  };
}

/** A problem with the environment that an operator must fix; printed without a stack. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Decodes a base64 master key, refusing anything but 32 bytes. */
export function parseMasterKey(value: string, source: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32) {
    throw new ConfigError(
      `${source} must be base64 of exactly 32 bytes (got ${key.length} bytes). Generate one with: openssl rand -base64 32`,
    );
  }
  return key;
}

/** Creates DATA_DIR (private to this user) if missing. */
export function ensureDataDir(dataDir: string): void {
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

/** Writes a file readable only by its owner, whatever the umask. */
export function writePrivateFile(path: string, contents: string): void {
  writeFileSync(path, contents, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * The master key that wraps every data key (base64 of 32 bytes in CLOAKROOM_MASTER_KEY).
 * Required with DATABASE_URL; in embedded mode generated once into DATA_DIR/master.key (0600).
 */
export function loadMasterKey(config: Pick<Config, 'databaseUrl' | 'dataDir'>, env: NodeJS.ProcessEnv = process.env): Buffer {
  const { databaseUrl, dataDir } = config;
  if (env.CLOAKROOM_MASTER_KEY) return parseMasterKey(env.CLOAKROOM_MASTER_KEY, 'CLOAKROOM_MASTER_KEY');
  if (databaseUrl) {
    throw new ConfigError(
      'CLOAKROOM_MASTER_KEY is required when DATABASE_URL is set: the master key must live outside the database it protects. Generate one with: openssl rand -base64 32',
    );
  }
  // Embedded mode is for development: keep a generated key beside the data.
  ensureDataDir(dataDir);
  const keyFile = join(dataDir, 'master.key');
  if (existsSync(keyFile)) return parseMasterKey(readFileSync(keyFile, 'utf8'), keyFile);
  const key = randomBytes(32);
  writePrivateFile(keyFile, `${key.toString('base64')}\n`);
  return key;
}

/**
 * Older master keys that may still unwrap data keys (CLOAKROOM_PREVIOUS_MASTER_KEYS: comma-separated
 * base64 of 32 bytes each). Set after a rotation, until `cli rewrap` has moved every data key to
 * the current key. Blank entries are ignored; a bad one is a ConfigError naming its position only.
 */
export function loadPreviousMasterKeys(env: NodeJS.ProcessEnv = process.env): Buffer[] {
  return (env.CLOAKROOM_PREVIOUS_MASTER_KEYS ?? '')
    .split(',')
    .map((entry, index) => [entry.trim(), index] as const)
    .filter(([entry]) => entry !== '')
    .map(([entry, index]) => parseMasterKey(entry, `CLOAKROOM_PREVIOUS_MASTER_KEYS (entry ${index + 1})`));
}

/** A per-minute rate limit: unset keeps the default, 0 means no limit. */
function parseRateLimit(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  const limit = Number(value);
  if (!Number.isSafeInteger(limit) || limit < 0) throw new ConfigError(`${name} must be a whole number ≥ 0 (0: no limit), got "${value}"`);
  return limit;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 4000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT must be an integer between 0 and 65535, got "${value}"`);
  return port;
}

function parseMetricsPort(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`CLOAKROOM_METRICS_PORT must be an integer between 0 and 65535, got "${value}"`);
  return port;
}

/**
 * A comma-separated list whose every entry is checked now, so a typo stops the start instead of
 * trusting (or opening) nothing or too much; `expected` says what an entry must be.
 */
function parseCheckedList(env: NodeJS.ProcessEnv, name: string, isValid: (entry: string) => boolean, expected: string): string[] {
  const entries = (env[name] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = entries.find((entry) => !isValid(entry));
  if (bad !== undefined) throw new ConfigError(`${name}: "${bad}" is not ${expected}`);
  return entries;
}

function isTrustedProxy(entry: string): boolean {
  try {
    clientAddressResolver([entry]);
    return true;
  } catch {
    return false;
  }
}

function loadOutboundCa(path: string | undefined): string | undefined {
  if (!path?.trim()) return undefined;
  let pem: string;
  try {
    pem = readFileSync(path.trim(), 'utf8');
  } catch (error) {
    throw new ConfigError(`CLOAKROOM_OUTBOUND_CA_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`CLOAKROOM_OUTBOUND_CA_FILE: ${path} holds no PEM certificate`);
  return pem;
}

function parseRequestTimeout(value: string | undefined): number | undefined {
  return parsePositive(value, 'CLOAKROOM_REQUEST_TIMEOUT_MS', 'milliseconds');
}

/** A whole number ≥ 1 (milliseconds, bytes); unset or blank gives undefined. */
function parsePositive(value: string | undefined, name: string, unit: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new ConfigError(`${name} must be a whole number of ${unit} ≥ 1, got "${value}"`);
  return number;
}

/** Node refuses a headers timeout longer than the whole request's. */
function parseHttpTimeouts(env: NodeJS.ProcessEnv): { headersTimeoutMs: number; bodyTimeoutMs: number } {
  const headersTimeoutMs = parsePositive(env.CLOAKROOM_HEADERS_TIMEOUT_MS, 'CLOAKROOM_HEADERS_TIMEOUT_MS', 'milliseconds') ?? 10_000;
  const bodyTimeoutMs = parsePositive(env.CLOAKROOM_BODY_TIMEOUT_MS, 'CLOAKROOM_BODY_TIMEOUT_MS', 'milliseconds') ?? 30_000;
  if (headersTimeoutMs > bodyTimeoutMs) {
    throw new ConfigError(
      `CLOAKROOM_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed CLOAKROOM_BODY_TIMEOUT_MS (${bodyTimeoutMs}): the body's time includes the headers'`,
    );
  }
  return { headersTimeoutMs, bodyTimeoutMs };
}

/** Reads a persisted-operations manifest (`{"sha256:<hex>": "<document>"}`, as codegen's client preset writes it). */
function loadPersistedOperations(path: string): Record<string, string> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`CLOAKROOM_PERSISTED_OPERATIONS: cannot read ${path} as JSON (${(error as Error).message})`);
  }
  if (
    !manifest ||
    typeof manifest !== 'object' ||
    Array.isArray(manifest) ||
    !Object.values(manifest).every((document) => typeof document === 'string')
  ) {
    throw new ConfigError(`CLOAKROOM_PERSISTED_OPERATIONS: ${path} must map operation hashes to documents`);
  }
  return manifest as Record<string, string>;
}

/** A replica of the PostgreSQL primary: meaningless for the embedded database. */
function parseReplicaUrl(value: string | undefined, databaseUrl: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!databaseUrl) throw new ConfigError('DATABASE_REPLICA_URL needs DATABASE_URL: the embedded database has no replicas');
  return value;
}

/** Reads the configuration from the environment; throws ConfigError with an operator-facing message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  const dataDir = resolve(env.DATA_DIR || '.data');
  return {
    port: parsePort(env.PORT),
    // The embedded database is for development: not reachable from the network unless asked.
    host: env.HOST?.trim() || (databaseUrl ? undefined : '127.0.0.1'),
    ...parseHttpTimeouts(env),
    maxResponseBytes: parsePositive(env.CLOAKROOM_MAX_RESPONSE_BYTES, 'CLOAKROOM_MAX_RESPONSE_BYTES', 'bytes'),
    databaseUrl,
    dataDir,
    migrateOnStart: env.CLOAKROOM_MIGRATE !== 'false',
    corsOrigins: (env.CLOAKROOM_CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    production: env.NODE_ENV === 'production',
    redisUrl: env.REDIS_URL || undefined,
    databaseReplicaUrl: parseReplicaUrl(env.DATABASE_REPLICA_URL, databaseUrl),
    replicaMaxLagMs: parsePositive(env.CLOAKROOM_REPLICA_MAX_LAG_MS, 'CLOAKROOM_REPLICA_MAX_LAG_MS', 'milliseconds') ?? 5000,
    redisChannelPrefix: env.CLOAKROOM_REDIS_CHANNEL_PREFIX || 'cloakroom:',
    eventsPollMs: parsePositive(env.CLOAKROOM_EVENTS_POLL_MS, 'CLOAKROOM_EVENTS_POLL_MS', 'milliseconds') ?? 2_000,
    sseHeartbeatMs: parsePositive(env.CLOAKROOM_SSE_HEARTBEAT_MS, 'CLOAKROOM_SSE_HEARTBEAT_MS', 'milliseconds') ?? 15_000,
    scheduledEventsIntervalMs:
      parsePositive(env.CLOAKROOM_SCHEDULED_EVENTS_INTERVAL_MS, 'CLOAKROOM_SCHEDULED_EVENTS_INTERVAL_MS', 'milliseconds') ?? 60_000,
    webhookPollMs: parsePositive(env.CLOAKROOM_WEBHOOK_POLL_MS, 'CLOAKROOM_WEBHOOK_POLL_MS', 'milliseconds') ?? 1_000,
    webhookRetryBaseMs: parsePositive(env.CLOAKROOM_WEBHOOK_RETRY_BASE_MS, 'CLOAKROOM_WEBHOOK_RETRY_BASE_MS', 'milliseconds') ?? 30_000,
    requestTimeoutMs: parseRequestTimeout(env.CLOAKROOM_REQUEST_TIMEOUT_MS),
    trustedProxies: parseCheckedList(
      env,
      'CLOAKROOM_TRUSTED_PROXIES',
      isTrustedProxy,
      'an IP address, a CIDR range, or one of loopback, linklocal, uniquelocal',
    ),
    compileQueries: env.CLOAKROOM_COMPILE_QUERIES !== 'false',
    preparedStatements: env.CLOAKROOM_PREPARED_STATEMENTS !== 'false',
    metrics: env.CLOAKROOM_METRICS === 'true',
    metricsPort: parseMetricsPort(env.CLOAKROOM_METRICS_PORT),
    purgeIntervalMs: parsePositive(env.CLOAKROOM_PURGE_INTERVAL_MS, 'CLOAKROOM_PURGE_INTERVAL_MS', 'milliseconds') ?? 60_000,
    outboundAllowedHosts: parseCheckedList(
      env,
      'CLOAKROOM_OUTBOUND_ALLOWED_HOSTS',
      (entry) => parseAllowedHost(entry) !== null,
      'a host name, an IP address or a CIDR range',
    ),
    outboundExtraCa: loadOutboundCa(env.CLOAKROOM_OUTBOUND_CA_FILE),
    persistedOperations: env.CLOAKROOM_PERSISTED_OPERATIONS ? loadPersistedOperations(env.CLOAKROOM_PERSISTED_OPERATIONS) : undefined,
    rateLimit: {
      perToken: {
        queries: parseRateLimit(env, 'CLOAKROOM_RATE_LIMIT_QUERIES_PER_MINUTE'),
        mutations: parseRateLimit(env, 'CLOAKROOM_RATE_LIMIT_MUTATIONS_PER_MINUTE'),
      },
      perTeam: {
        queries: parseRateLimit(env, 'CLOAKROOM_RATE_LIMIT_TEAM_QUERIES_PER_MINUTE'),
        mutations: parseRateLimit(env, 'CLOAKROOM_RATE_LIMIT_TEAM_MUTATIONS_PER_MINUTE'),
      },
      unauthenticatedPerIp: parseRateLimit(env, 'CLOAKROOM_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE'),
    },
  };
}
