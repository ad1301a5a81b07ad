import type { Insertable } from 'kysely';
import type { AuditEventTable, Db } from '../../database.ts';

export async function insertAuditEvent(db: Db, event: Insertable<AuditEventTable>): Promise<void> {
  await db.insertInto('audit_events').values(event).execute();
}
