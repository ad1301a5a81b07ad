import { sql, type Kysely } from 'kysely';

/**
 * Expiry and rotation policy of secrets (DESIGN §6.1): `expires_at` (null = never) and
 * `rotation_every_days` (null = no policy; 1–3650, held here too so that no code path stores
 * another value). `Secret.status` and `nextRotationAt` are computed from these and the current
 * version's time when read (secret.repository.ts), so nothing has to update them as time passes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('secrets')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('rotation_every_days', 'integer', (c) => c.check(sql`rotation_every_days between 1 and 3650`))
    .execute();
  // `Team.secrets(filter: { expiresBefore })` and `status: EXPIRED` read a team's few expiring secrets.
  await sql`create index secrets_team_expires_at_idx on secrets (team_id, expires_at) where expires_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index secrets_team_expires_at_idx`.execute(db);
  await db.schema.alterTable('secrets').dropColumn('expires_at').dropColumn('rotation_every_days').execute();
}
