import { sql, type Kysely } from 'kysely';

const timestamp = sql`timestamptz(3)`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('secrets')
    .addColumn('visibility', 'text', (c) =>
      c
        .notNull()
        .defaultTo('TEAM')
        .check(sql`visibility in ('TEAM', 'PRIVATE')`),
    )
    // The user a PRIVATE secret belongs to; null for TEAM secrets.
    .addColumn('owner_id', 'uuid', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('service_slug', 'text')
    .addColumn('workspace_access', 'text', (c) =>
      c
        .notNull()
        .defaultTo('ALL')
        .check(sql`workspace_access in ('ALL', 'SOME', 'NONE')`),
    )
    .execute();
  await db.schema
    .alterTable('secrets')
    .addCheckConstraint('secrets_private_owner', sql`(visibility = 'PRIVATE') = (owner_id is not null)`)
    .execute();
  await db.schema.createIndex('secrets_team_service_slug_idx').on('secrets').columns(['team_id', 'service_slug']).execute();
  await db.schema.createIndex('secrets_owner_idx').on('secrets').column('owner_id').execute();

  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', timestamp, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', timestamp, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await db.schema
    .createIndex('workspaces_team_name_key')
    .on('workspaces')
    .expression(sql`team_id, lower(name)`)
    .unique()
    .execute();
  await db.schema
    .createIndex('workspaces_team_name_order_idx')
    .on('workspaces')
    .expression(sql`team_id, lower(name), id`)
    .execute();

  // A secret with workspace_access SOME is available in exactly these workspaces.
  await db.schema
    .createTable('secret_workspaces')
    .addColumn('secret_id', 'uuid', (c) => c.notNull().references('secrets.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('secret_workspaces_pkey', ['secret_id', 'workspace_id'])
    .execute();
  await db.schema.createIndex('secret_workspaces_workspace_idx').on('secret_workspaces').columns(['workspace_id', 'secret_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('secret_workspaces').execute();
  await db.schema.dropTable('workspaces').execute();
  await db.schema.alterTable('secrets').dropConstraint('secrets_private_owner').execute();
  for (const column of ['workspace_access', 'service_slug', 'owner_id', 'visibility']) {
    await db.schema.alterTable('secrets').dropColumn(column).execute();
  }
}
