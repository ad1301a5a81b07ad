import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

/** Everything the process reads from its environment, parsed once at start. */
export interface Config {
  port: number;
  /** PostgreSQL connection string; unset means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Run migrations when the server starts. @default true */
  migrateOnStart: boolean;
  /** Origins allowed to call the API from a browser. @default [] (none) */
  corsOrigins: string[];
  logLevel: string;
  production: boolean;
}

/** A problem with the environment that an operator must fix; printed without a stack. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Decodes a base64 master key, refusing anything but 32 bytes. */
export function parseMasterKey(value: string, source: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32) {
    throw new ConfigError(`${source} must be base64 of exactly 32 bytes (got ${key.length} bytes). Generate one with: openssl rand -base64 32`);
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

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 4000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be an integer between 0 and 65535, got "${value}"`);
  return port;
}

/** Reads the configuration from the environment; throws ConfigError with an operator-facing message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  const dataDir = resolve(env.DATA_DIR || '.data');
  return {
    port: parsePort(env.PORT),
    databaseUrl,
    dataDir,
    migrateOnStart: env.CLOAKROOM_MIGRATE !== 'false',
    corsOrigins: (env.CLOAKROOM_CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    production: env.NODE_ENV === 'production',
  };
}
