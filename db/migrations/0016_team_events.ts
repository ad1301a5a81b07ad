import { sql, type Kysely } from 'kysely';

/**
 * The team event outbox (DESIGN §6.3): one row per successful audit event of a team, written in
 * the same transaction, plus the scheduled events (`secret.expiring`, …).
 *
 * `seq` counts each team's events 1, 2, 3… with no gap: it is taken as the team's last `seq` + 1
 * while the transaction holds the team's audit-chain lock (audit.repository.ts `lockAuditChain`),
 * which is released only after the commit is visible. So a team's events become visible in `seq`
 * order, and a reader that has seen `seq` n has seen every event before it: replay from a cursor
 * never skips one that commits later (a sequence value would: allocated before the commit, it can
 * become visible after a later one).
 *
 * `private_to` is the owner of a PRIVATE secret the event is about: only they receive it.
 * `dedupe_key` makes each scheduled event happen once, however many servers look for it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('team_events')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull().check(sql`seq >= 1`))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', sql`timestamptz(3)`, (c) => c.notNull())
    .addColumn('actor_user_id', 'uuid')
    .addColumn('actor_token_id', 'uuid')
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'uuid')
    .addColumn('target_version', 'integer')
    .addColumn('changed_fields', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('private_to', 'uuid')
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addUniqueConstraint('team_events_team_seq_key', ['team_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('team_events').execute();
}
