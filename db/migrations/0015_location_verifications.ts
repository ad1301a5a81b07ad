import { sql, type Kysely } from 'kysely';

/**
 * Verification against the real storage (DESIGN §6.2): one row per location verified. A row is
 * written RUNNING before any request leaves (it is also the team's slot: at most two runs at once,
 * counted across every instance) and finished as PASSED or FAILED with its checks. `checks` holds
 * our codes and messages only, never a provider's text or a credential.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('location_verifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('location_id', 'uuid', (c) => c.notNull().references('locations.id').onDelete('cascade'))
    .addColumn('secret_id', 'uuid', (c) => c.notNull().references('secrets.id').onDelete('cascade'))
    .addColumn('secret_version', 'integer', (c) => c.notNull())
    // The verifyLocation or verifySecret call it belongs to: the unit of the per-team limit.
    .addColumn('run_id', 'uuid', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('READ_WRITE', 'READ_ONLY')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('RUNNING', 'PASSED', 'FAILED')`))
    .addColumn('checks', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('started_at', sql`timestamptz(3)`, (c) => c.notNull())
    .addColumn('duration_ms', 'integer')
    .addColumn('verified_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  // `Location.lastVerification`: a location's newest finished row.
  await sql`create index location_verifications_location_idx on location_verifications (location_id, started_at desc)`.execute(db);
  // `SecretVersion.verification` and the promotion gate: the rows of one secret version.
  await sql`create index location_verifications_secret_version_idx on location_verifications (secret_id, secret_version)`.execute(db);
  // The per-team limit counts a team's running rows.
  await sql`create index location_verifications_running_idx on location_verifications (team_id) where status = 'RUNNING'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('location_verifications').execute();
}
