import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../../db/migrate.ts';
import { createDatabase, type Database } from '../../src/database/database.ts';
import { testDatabaseUrl } from './database.ts';

/**
 * On PostgreSQL, a new empty database beside the run's one (the run's is shared by the test files
 * running in parallel), for tests of what acts on every row (`cli rewrap`); `drop` removes it.
 * Undefined on PGlite, where each test has its own database anyway.
 */
export async function createIsolatedPostgresDatabase(): Promise<{ databaseUrl: string; drop(): Promise<void> } | undefined> {
  if (!testDatabaseUrl) return undefined;
  const runUrl = new URL(testDatabaseUrl);
  const name = `${runUrl.pathname.slice(1)}_iso_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return { databaseUrl: url.toString(), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}

/** A migrated database no other test file touches: a fresh in-memory PGlite, or an isolated PostgreSQL database. */
export async function openIsolatedDatabase(): Promise<{ db: Kysely<Database>; close(): Promise<void> }> {
  const isolated = await createIsolatedPostgresDatabase();
  const db = createDatabase({ databaseUrl: isolated?.databaseUrl });
  await migrateToLatest(db);
  return {
    db,
    close: async () => {
      await db.destroy();
      await isolated?.drop();
    },
  };
}
