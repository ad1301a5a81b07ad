import { sql, type Kysely } from 'kysely';
import { auditEventHash, type HashedAuditFields } from '../../src/modules/audit/audit-chain.ts';

/**
 * Makes the audit trail tamper-evident: each row carries a hash chained to the previous row of
 * its team, and a trigger refuses UPDATE and DELETE on the table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('prev_hash', 'bytea').addColumn('hash', 'bytea').execute();

  // Chain the rows written before this migration, team by team, in order.
  const rows = await db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
  const last = new Map<string | null, Buffer | null>();
  for (const row of rows) {
    const prev = last.get(row.team_id) ?? null;
    const hash = auditEventHash(prev, row as HashedAuditFields);
    await db.updateTable('audit_events').set({ prev_hash: prev, hash }).where('id', '=', row.id).execute();
    last.set(row.team_id, hash);
  }
  await db.schema
    .alterTable('audit_events')
    .alterColumn('hash', (c) => c.setNotNull())
    .execute();

  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  await sql`
    create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger audit_events_append_only on audit_events`.execute(db);
  await sql`drop function audit_events_append_only()`.execute(db);
  await db.schema.alterTable('audit_events').dropColumn('hash').dropColumn('prev_hash').execute();
}
