import { sql } from 'kysely';
import { expect, test } from 'vitest';
import { createDatabase } from '../src/database/database.ts';
import { testDatabaseUrl } from '../test/helpers/database.ts';
import { isMigrated, migrateToEmpty, migrateToLatest } from './migrate.ts';

const tables = async (db: ReturnType<typeof createDatabase>) =>
  (
    await sql<{
      table_name: string;
    }>`select table_name from information_schema.tables where table_schema = current_schema() and table_name not like 'kysely_%' order by 1`.execute(
      db,
    )
  ).rows.map((r) => r.table_name);

test.skipIf(testDatabaseUrl)(
  'every migration goes up and comes back down (PGlite)',
  async () => {
    const db = createDatabase({});
    // isMigrated (cli run's shortcut) says no until the migrator has applied every file, and again after a down.
    expect(await isMigrated(db)).toBe(false);
    await migrateToLatest(db);
    expect(await isMigrated(db)).toBe(true);
    expect(await tables(db)).toEqual(expect.arrayContaining(['teams', 'users', 'memberships', 'api_tokens', 'audit_events']));
    await migrateToEmpty(db);
    expect(await isMigrated(db)).toBe(false);
    expect(await tables(db)).toEqual([]);
    expect(await migrateToLatest(db)).not.toEqual([]);
    expect(await isMigrated(db)).toBe(true);
    await sql`delete from kysely_migration where name = (select max(name) from kysely_migration)`.execute(db);
    expect(await isMigrated(db)).toBe(false);
    await db.destroy();
  },
  120_000,
); // Whole migrations or a spawned server: slow on a loaded 2-core machine.

test.runIf(testDatabaseUrl)('migrations run once when several processes start at once, and come back down (PostgreSQL)', async () => {
  // A database of its own, so the run's shared test database is left alone.
  const url = new URL(testDatabaseUrl!);
  const name = `${url.pathname.slice(1)}_migrate`;
  const admin = createDatabase({ databaseUrl: testDatabaseUrl });
  await sql`create database ${sql.id(name)}`.execute(admin);
  url.pathname = `/${name}`;
  const instances = Array.from({ length: 4 }, () => createDatabase({ databaseUrl: url.toString(), poolSize: 2 }));
  try {
    const applied = await Promise.all(instances.map((db) => migrateToLatest(db)));
    expect(applied.flat().filter((migration) => migration === '0001_foundation')).toHaveLength(1);
    await migrateToEmpty(instances[0]!);
    expect(await tables(instances[0]!)).toEqual([]);
  } finally {
    await Promise.all(instances.map((db) => db.destroy()));
    await sql`drop database ${sql.id(name)} with (force)`.execute(admin);
    await admin.destroy();
  }
});
