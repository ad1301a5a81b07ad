import { sql, type Kysely } from 'kysely';

/**
 * Pending invitations: a user joins a team through the API only by accepting one. A row lives
 * until it is accepted (it becomes a membership), declined or revoked.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('team_invitations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('OWNER', 'ADMIN', 'OPERATOR', 'VIEWER')`))
    .addColumn('invited_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('team_invitations_team_user_key', ['team_id', 'user_id'])
    .execute();
  await db.schema.createIndex('team_invitations_user_idx').on('team_invitations').columns(['user_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('team_invitations_team_idx').on('team_invitations').columns(['team_id', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('team_invitations').execute();
}
