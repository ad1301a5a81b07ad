import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { FileMigrationProvider, Migrator, NO_MIGRATIONS } from 'kysely/migration';

const migrationFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder }) });
}

/**
 * Applies every pending migration. Kysely's migrator holds a lock row while it runs, so two
 * processes starting at once apply each migration exactly once (db/migrate.test.ts proves it).
 * @returns the names of the migrations applied by this call
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await createMigrator(db).migrateToLatest();
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- Kysely hands back whatever the migration threw (`unknown`); rethrown as is
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Reverts every migration, newest first (used to prove each `down` works). */
export async function migrateToEmpty(db: Kysely<any>): Promise<void> {
  const { error } = await createMigrator(db).migrateTo(NO_MIGRATIONS);
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- Kysely hands back whatever the migration threw (`unknown`); rethrown as is
  if (error) throw error;
}

/** Migrates up or down to `name` (tests of a migration's data: rows as an older schema held them). */
export async function migrateTo(db: Kysely<any>, name: string): Promise<void> {
  const { error } = await createMigrator(db).migrateTo(name);
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- Kysely hands back whatever the migration threw (`unknown`); rethrown as is
  if (error) throw error;
}
