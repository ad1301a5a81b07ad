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
 *
 * Webhooks (their signing secret sealed like credentials) and their deliveries: one per webhook
 * and event, enqueued in the event's transaction, claimed by the delivery workers of every server.
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

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull().check(sql`url like 'https://%' and length(url) <= 2048`))
    // null: every type
    .addColumn('types', sql`text[]`)
    .addColumn('description', 'text')
    // The signing secret, sealed under its binding (team, webhook, secret_version).
    .addColumn('ciphertext', 'bytea', (c) => c.notNull())
    .addColumn('iv', 'bytea', (c) => c.notNull())
    .addColumn('auth_tag', 'bytea', (c) => c.notNull())
    .addColumn('wrapped_data_key', 'bytea', (c) => c.notNull())
    .addColumn('master_key_id', 'text', (c) => c.notNull())
    .addColumn('secret_version', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'uuid')
    .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'uuid')
    .execute();
  await db.schema.createIndex('webhooks_team_idx').on('webhooks').columns(['team_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('webhook_id', 'uuid', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('team_events.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('PENDING')
        .check(sql`status in ('PENDING', 'SUCCEEDED', 'FAILED')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', sql`timestamptz(3)`)
    .addColumn('response_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('webhook_deliveries_webhook_event_key', ['webhook_id', 'event_id'])
    .execute();
  // The workers' claim: due PENDING deliveries, oldest due first.
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'PENDING'`.execute(db);
  await db.schema
    .createIndex('webhook_deliveries_webhook_idx')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'created_at', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhooks').execute();
  await db.schema.dropTable('team_events').execute();
}
