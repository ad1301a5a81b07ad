import type { Kysely } from 'kysely';
import { ensureDataDir, type Config } from '../config.ts';
import { createDatabase, type Database } from './database.ts';
import { lockEmbeddedDataDir } from './embedded-lock.ts';

export interface OpenDatabase {
  db: Kysely<Database>;
  /** The read replica (DATABASE_REPLICA_URL), when there is one. */
  replica?: Kysely<Database> | undefined;
  /** Closes the pool (or PGlite) and releases the embedded data directory. */
  close(): Promise<void>;
}

/** Opens the configured database for this process: PostgreSQL, or the embedded one under an exclusive lock. */
export function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'preparedStatements' | 'databaseReplicaUrl'>>,
): OpenDatabase {
  if (config.databaseUrl) {
    const db = createDatabase({ databaseUrl: config.databaseUrl, preparedStatements: config.preparedStatements });
    const replica = config.databaseReplicaUrl
      ? createDatabase({ databaseUrl: config.databaseReplicaUrl, preparedStatements: config.preparedStatements })
      : undefined;
    return { db, replica, close: async () => void (await Promise.all([db.destroy(), replica?.destroy()])) };
  }
  ensureDataDir(config.dataDir);
  const release = lockEmbeddedDataDir(config.dataDir);
  const db = createDatabase({ dataDir: config.dataDir });
  return {
    db,
    close: async () => {
      await db.destroy();
      release();
    },
  };
}
