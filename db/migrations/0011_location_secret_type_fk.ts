import { sql, type Kysely } from 'kysely';

/**
 * LOCATION_TYPE_MISMATCH in the database too: a location's (secret_id, location_type) must be a
 * secret's (id, secret_type). The services check the rule under the secret's row lock; this is the
 * second line, so that no code path or interleaving can ever store a mismatched pair. It replaces
 * the plain foreign key on secret_id (the composite one implies it: both columns are not null),
 * and keeps its `on delete restrict` (SECRET_IN_USE).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ count: string }>`
    select count(*) as count from locations join secrets on secrets.id = locations.secret_id
    where secrets.secret_type <> locations.location_type
  `.execute(db);
  const mismatched = Number(rows[0]?.count ?? 0);
  if (mismatched > 0)
    throw new Error(`${mismatched} location(s) point at a secret of another type: relink or delete them, then migrate again`);
  await db.schema.alterTable('secrets').addUniqueConstraint('secrets_id_type_key', ['id', 'secret_type']).execute();
  await db.schema
    .alterTable('locations')
    .addForeignKeyConstraint('locations_secret_type_fkey', ['secret_id', 'location_type'], 'secrets', ['id', 'secret_type'], (c) =>
      c.onDelete('restrict'),
    )
    .execute();
  await db.schema.alterTable('locations').dropConstraint('locations_secret_id_fkey').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('locations')
    .addForeignKeyConstraint('locations_secret_id_fkey', ['secret_id'], 'secrets', ['id'], (c) => c.onDelete('restrict'))
    .execute();
  await db.schema.alterTable('locations').dropConstraint('locations_secret_type_fkey').execute();
  await db.schema.alterTable('secrets').dropConstraint('secrets_id_type_key').execute();
}
