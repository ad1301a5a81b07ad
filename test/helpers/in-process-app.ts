/**
 * The API and the database opened in the test's own process on the database a CLI test drives
 * (test/process/cli.test.ts, rewrap.test.ts): PGlite allows one process at a time, so the handle
 * is held only between CLI runs.
 */
import type { Kysely } from 'kysely';
import { migrateToLatest } from '../../db/migrate.ts';
import type { Database } from '../../src/database/database.ts';
import { openDatabase } from '../../src/database/open-database.ts';
import { createApp, type App } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logger.ts';
import { createKeyring } from '../../src/modules/crypto/envelope.ts';

/** Where the CLI's database is (`databaseUrl` when PostgreSQL, else `dataDir`) and the master key its app seals with. */
export interface CliDatabase {
  databaseUrl: string | undefined;
  dataDir: string;
  masterKey: Buffer;
}

/** Runs `fn` with the app and the database of `target`, migrated; closed (lock released) before returning. */
export async function withInProcessApp<T>(target: CliDatabase, fn: (env: { app: App; db: Kysely<Database> }) => Promise<T>): Promise<T> {
  const { db, close } = await openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
  try {
    await migrateToLatest(db);
    const app = createApp({ db, keyring: createKeyring(target.masterKey), logger: createLogger('silent') });
    return await fn({ app, db });
  } finally {
    await close();
  }
}
