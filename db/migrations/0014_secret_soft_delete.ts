import { sql, type Kysely } from 'kysely';

/**
 * Soft delete of secrets (DESIGN §6.1): `deleted_at` and `purge_at` are set together by
 * `deleteSecret` and cleared together by `restoreSecret`; the purge sweep removes the row once
 * `purge_at` has come.
 *
 * SECRET_DELETED and SECRET_IN_USE in the database too, as 0011 holds LOCATION_TYPE_MISMATCH: a
 * location's (secret_id, location_type, secret_live) must be a secret's (id, secret_type, live),
 * where `live` is "not scheduled for deletion" and `secret_live` can only be true. So no location
 * can point at a scheduled secret, and a secret that locations use cannot be scheduled (its key
 * would change under them). The services check both under the secret's row lock; this is the
 * second line, whatever the interleaving.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('secrets')
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('purge_at', 'timestamptz')
    .addColumn('live', 'boolean', (c) =>
      c
        .notNull()
        .generatedAlwaysAs(sql`deleted_at is null`)
        .stored(),
    )
    .execute();
  await db.schema
    .alterTable('secrets')
    .addCheckConstraint('secrets_deletion_dates_check', sql`(deleted_at is null) = (purge_at is null) and purge_at >= deleted_at`)
    .execute();
  await db.schema.alterTable('secrets').addUniqueConstraint('secrets_id_type_live_key', ['id', 'secret_type', 'live']).execute();
  await db.schema
    .alterTable('locations')
    .addColumn('secret_live', 'boolean', (c) =>
      c
        .notNull()
        .defaultTo(true)
        .check(sql`secret_live`),
    )
    .execute();
  await db.schema
    .alterTable('locations')
    .addForeignKeyConstraint(
      'locations_secret_live_fkey',
      ['secret_id', 'location_type', 'secret_live'],
      'secrets',
      ['id', 'secret_type', 'live'],
      (c) => c.onDelete('restrict'),
    )
    .execute();
  // The purge sweep reads the few rows that are due, across all teams.
  await sql`create index secrets_purge_at_idx on secrets (purge_at) where purge_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index secrets_purge_at_idx`.execute(db);
  await db.schema.alterTable('locations').dropConstraint('locations_secret_live_fkey').execute();
  await db.schema.alterTable('locations').dropColumn('secret_live').execute();
  await db.schema.alterTable('secrets').dropConstraint('secrets_id_type_live_key').execute();
  await db.schema.alterTable('secrets').dropColumn('live').dropColumn('deleted_at').dropColumn('purge_at').execute();
}
