import { sql, type CreateTableBuilder, type Kysely } from 'kysely';

/** Columns of an envelope-encrypted payload (see src/modules/crypto/envelope.ts). */
function sealedColumns(table: CreateTableBuilder<any, any>, nullable: boolean): CreateTableBuilder<any, any> {
  const notNull = <C extends { notNull(): C }>(c: C) => (nullable ? c : c.notNull());
  return table
    .addColumn('ciphertext', 'bytea', notNull)
    .addColumn('iv', 'bytea', notNull)
    .addColumn('auth_tag', 'bytea', notNull)
    .addColumn('wrapped_data_key', 'bytea', notNull)
    .addColumn('master_key_id', 'text', notNull);
}

const timestamp = sql`timestamptz(3)`;

export async function up(db: Kysely<any>): Promise<void> {
  await sealedColumns(
    db.schema
      .createTable('vault_connections')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
      .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('vault_type', 'text', (c) => c.notNull()),
    false,
  )
    // The version the payload was sealed at (its binding): renames bump `version` without re-sealing.
    .addColumn('payload_version', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('last_rotated_at', timestamp)
    .addColumn('created_at', timestamp, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', timestamp, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await db.schema
    .createIndex('vault_connections_team_name_key')
    .on('vault_connections')
    .expression(sql`team_id, lower(name)`)
    .unique()
    .execute();
  await db.schema
    .createIndex('vault_connections_team_name_order_idx')
    .on('vault_connections')
    .expression(sql`team_id, lower(name), id`)
    .execute();

  await db.schema
    .createTable('secrets')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('secret_type', 'text', (c) => c.notNull())
    .addColumn('auth_method', 'text', (c) => c.notNull())
    .addColumn('storage', 'text', (c) => c.notNull().check(sql`storage in ('NATIVE', 'EXTERNAL_VAULT')`))
    .addColumn('vault_connection_id', 'uuid', (c) => c.references('vault_connections.id').onDelete('restrict'))
    .addColumn('field_mappings', 'jsonb')
    // Masked previews computed at write time, so reads never decrypt: [{name, envVar, maskedValue}].
    .addColumn('credential_fields', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // The secret_versions row whose payload holds the current credentials (NATIVE only).
    .addColumn('payload_version', 'integer')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('last_rotated_at', timestamp)
    .addColumn('created_at', timestamp, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', timestamp, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addCheckConstraint('secrets_storage_vault', sql`(storage = 'EXTERNAL_VAULT') = (vault_connection_id is not null)`)
    .execute();
  await db.schema
    .createIndex('secrets_team_name_key')
    .on('secrets')
    .expression(sql`team_id, lower(name)`)
    .unique()
    .execute();
  await db.schema
    .createIndex('secrets_team_name_order_idx')
    .on('secrets')
    .expression(sql`team_id, lower(name), id`)
    .execute();
  await db.schema.createIndex('secrets_team_created_idx').on('secrets').columns(['team_id', 'created_at', 'id']).execute();
  await db.schema
    .createIndex('secrets_team_type_name_idx')
    .on('secrets')
    .expression(sql`team_id, secret_type, lower(name), id`)
    .execute();
  await db.schema.createIndex('secrets_vault_connection_idx').on('secrets').column('vault_connection_id').execute();

  await sealedColumns(
    db.schema
      .createTable('secret_versions')
      .addColumn('secret_id', 'uuid', (c) => c.notNull().references('secrets.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('CREATE', 'UPDATE', 'ROTATE')`)),
    true,
  )
    .addColumn('created_at', timestamp, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addPrimaryKeyConstraint('secret_versions_pkey', ['secret_id', 'version'])
    .execute();

  await db.schema
    .createTable('locations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('secret_id', 'uuid', (c) => c.notNull().references('secrets.id').onDelete('restrict'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('location_type', 'text', (c) => c.notNull())
    .addColumn('bucket_name', 'text', (c) => c.notNull())
    .addColumn('region', 'text')
    .addColumn('endpoint_url', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', timestamp, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', timestamp, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await db.schema
    .createIndex('locations_team_name_key')
    .on('locations')
    .expression(sql`team_id, lower(name)`)
    .unique()
    .execute();
  await db.schema
    .createIndex('locations_team_name_order_idx')
    .on('locations')
    .expression(sql`team_id, lower(name), id`)
    .execute();
  await db.schema.createIndex('locations_team_created_idx').on('locations').columns(['team_id', 'created_at', 'id']).execute();
  await db.schema
    .createIndex('locations_team_type_name_idx')
    .on('locations')
    .expression(sql`team_id, location_type, lower(name), id`)
    .execute();
  await db.schema
    .createIndex('locations_secret_name_idx')
    .on('locations')
    .expression(sql`secret_id, lower(name), id`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['locations', 'secret_versions', 'secrets', 'vault_connections']) {
    await db.schema.dropTable(table).execute();
  }
}
