import { sql, type Insertable, type Selectable } from 'kysely';
import type { OptionalFields } from '../shared/optional-fields.ts';
import type { AuditEventTable } from './audit.tables.ts';
import type { Db } from '../../database/database.ts';
import { rowsOfMember } from '../shared/rows-of-member.ts';
import type { KeysetPage } from '../../graphql/pagination.ts';
import type { Role } from '../team/team.tables.ts';
import { paginate } from '../../database/keyset.ts';

export type AuditEventRow = Selectable<AuditEventTable>;

/**
 * Serialises the audit writes of one team until the transaction ends, so that each event
 * chains to the one before it. Taken last in every transaction (the audit event is its last
 * write), so it never waits while holding another lock a waiter needs.
 */
export async function lockAuditChain(db: Db, teamId: string | null): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${teamId ?? 'no-team'}, 0))`.execute(db);
}

export async function findLastAuditHash(db: Db, teamId: string | null): Promise<Buffer | null> {
  const row = await db
    .selectFrom('audit_events')
    .select('hash')
    .where((eb) => (teamId === null ? eb('team_id', 'is', null) : eb('team_id', '=', teamId)))
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  // PGlite returns bytea as a plain Uint8Array, pg as a Buffer.
  return row ? Buffer.from(row.hash) : null;
}

export async function insertAuditEvent(db: Db, event: Insertable<AuditEventTable>): Promise<void> {
  await db.insertInto('audit_events').values(event).execute();
}

/** Events among `ids` of the user's teams, each with the user's role there (who may read them is permissions.ts's to say). */
export async function findAuditEventsOfMember(
  db: Db,
  userId: string,
  ids: readonly string[],
): Promise<(AuditEventRow & { viewer_role: Role })[]> {
  if (!ids.length) return [];
  return rowsOfMember(db, 'audit_events', userId, ids).selectAll('audit_events').select('memberships.role as viewer_role').execute();
}

export type AuditFilter = OptionalFields<{
  action: string;
  actorId: string;
  targetId: string;
  since: Date;
  until: Date;
}>;

/** A page of a team's events, newest first, keyset on seq. */
export async function listAuditEvents(db: Db, teamId: string, filter: AuditFilter, page: KeysetPage): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().where('team_id', '=', teamId);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.actorId) query = query.where('actor_user_id', '=', filter.actorId);
  if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.until) query = query.where('created_at', '<', filter.until);
  // seq is unique: the index on (team_id, seq) serves, and the cursor's id is not compared.
  return paginate(query, { key: sql.ref('seq'), tiebreak: null, direction: 'DESC' }, page).execute();
}

/** A batch of a team's events in chain order, after `afterSeq`, for verification. */
export async function readAuditChain(db: Db, teamId: string, afterSeq: string | null, limit: number): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().where('team_id', '=', teamId);
  if (afterSeq !== null) query = query.where('seq', '>', afterSeq);
  return query.orderBy('seq').limit(limit).execute();
}
