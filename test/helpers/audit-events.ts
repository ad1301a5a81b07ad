import type { Kysely } from 'kysely';
import type { Database } from '../../src/database/database.ts';
import { rawId } from './ids.ts';

/**
 * The audit events about one object, read straight from the table, oldest first; only those of
 * `action` when given. `targetId` is the object's global id.
 */
export function auditEventsOf(db: Kysely<Database>, targetId: string, action?: string) {
  let query = db.selectFrom('audit_events').selectAll().where('target_id', '=', rawId(targetId));
  if (action) query = query.where('action', '=', action);
  return query.orderBy('seq').execute();
}
