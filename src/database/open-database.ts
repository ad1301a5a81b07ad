import { sql, type Kysely } from 'kysely';
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

/**
 * How often the embedded database checkpoints. PGlite runs no checkpointer (and ignores
 * max_wal_size), so without this a long-running server checkpoints only when it closes: after an
 * unclean stop (killed, crashed, out of memory) the next open replays every write since the server
 * started. Checkpointing bounds that replay to the writes of the last interval.
 */
export const EMBEDDED_CHECKPOINT_EVERY_MS = 30_000;

export interface OpenOptions {
  /** The embedded database's checkpoint interval (tests shorten it). */
  checkpointEveryMs?: number;
  /** How long to wait for another process to release the embedded data directory. */
  lockWaitMs?: number;
}

/** Opens the configured database for this process: PostgreSQL, or the embedded one under an exclusive lock. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'preparedStatements' | 'databaseReplicaUrl'>>,
  options: OpenOptions = {},
): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    const db = createDatabase({ databaseUrl: config.databaseUrl, preparedStatements: config.preparedStatements });
    const replica = config.databaseReplicaUrl
      ? createDatabase({ databaseUrl: config.databaseReplicaUrl, preparedStatements: config.preparedStatements })
      : undefined;
    return { db, replica, close: async () => void (await Promise.all([db.destroy(), replica?.destroy()])) };
  }
  ensureDataDir(config.dataDir);
  const release = await lockEmbeddedDataDir(config.dataDir, options.lockWaitMs);
  const db = createDatabase({ dataDir: config.dataDir });
  // A checkpoint with nothing written since the last one costs nothing; a failed one is retried next time.
  const checkpoints = setInterval(
    () => void sql`checkpoint`.execute(db).catch(() => {}),
    options.checkpointEveryMs ?? EMBEDDED_CHECKPOINT_EVERY_MS,
  ).unref();
  return {
    db,
    close: async () => {
      clearInterval(checkpoints);
      await db.destroy();
      release();
    },
  };
}
