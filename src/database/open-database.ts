import type { Kysely } from 'kysely';
import { ensureDataDir, type Config } from '../config.ts';
import { createDatabase, type Database } from './database.ts';
import { lockEmbeddedDataDir } from './embedded-lock.ts';

export interface OpenDatabase {
  db: Kysely<Database>;
  /** Closes the pool (or PGlite) and releases the embedded data directory. */
  close(): Promise<void>;
}

/** Opens the configured database for this process: PostgreSQL, or the embedded one under an exclusive lock. */
export function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'preparedStatements'>>): OpenDatabase {
  if (config.databaseUrl) {
    const db = createDatabase({ databaseUrl: config.databaseUrl, preparedStatements: config.preparedStatements });
    return { db, close: () => db.destroy() };
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
