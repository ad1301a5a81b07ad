import type { Kysely } from 'kysely';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../../src/database/database.ts';
import { migrateToLatest } from '../../db/migrate.ts';

/** The run's PostgreSQL database when TEST_DATABASE_URL is set; undefined on PGlite. */
export const testDatabaseUrl: string | undefined = inject('testDatabaseUrl');

/**
 * A migrated database for one test file: a fresh in-memory PGlite, or the run's PostgreSQL
 * database (shared by the files, so tests create their own teams and never assume emptiness).
 */
export async function openTestDatabase(): Promise<Kysely<Database>> {
  const db = createDatabase({ databaseUrl: testDatabaseUrl });
  await migrateToLatest(db);
  return db;
}
