import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from '../../database/database.ts';
import type { Role } from '../team/team.tables.ts';
import { nextRotationAt } from '../secret/secret.repository.ts';
import type { TeamEventTable } from './events.tables.ts';

export type TeamEventRow = Selectable<TeamEventTable>;

/** A new event, before the stream gives it its `seq`. */
export type NewTeamEvent = Omit<Insertable<TeamEventTable>, 'seq'> & { occurred_at: Date; changed_fields: string[] };

/**
 * Appends an event to its team's stream as the team's next `seq`. The caller holds the team's
 * audit-chain lock (`lockAuditChain`) until its commit: that is what keeps `seq` gapless and
 * visible in order. A `dedupe_key` already written makes this a no-op (answers false).
 */
export async function appendTeamEvent(db: Db, event: NewTeamEvent): Promise<boolean> {
  const result = await sql`
    insert into team_events (id, team_id, seq, type, occurred_at, actor_user_id, actor_token_id,
                             target_type, target_id, target_version, changed_fields, private_to, dedupe_key)
    select ${event.id}, ${event.team_id}, coalesce(max(seq), 0) + 1, ${event.type}, ${event.occurred_at},
           ${event.actor_user_id ?? null}, ${event.actor_token_id ?? null}, ${event.target_type}, ${event.target_id ?? null},
           ${event.target_version ?? null}, ${event.changed_fields}::text[], ${event.private_to ?? null}, ${event.dedupe_key ?? null}
    from team_events where team_id = ${event.team_id}
    on conflict (dedupe_key) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** The team's events after `afterSeq`, in order. */
export async function listTeamEventsAfter(db: Db, teamId: string, afterSeq: number, limit: number): Promise<TeamEventRow[]> {
  return db
    .selectFrom('team_events')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('seq', '>', String(afterSeq) as never)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

export async function findTeamEvent(db: Db, id: string): Promise<TeamEventRow | undefined> {
  return db.selectFrom('team_events').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The team's last `seq` (0 before its first event). */
export async function lastTeamEventSeq(db: Db, teamId: string): Promise<number> {
  const row = await db
    .selectFrom('team_events')
    .select(sql<string>`coalesce(max(seq), 0)`.as('last'))
    .where('team_id', '=', teamId)
    .executeTakeFirstOrThrow();
  return Number(row.last);
}

/**
 * The user's role in the team while the token is live (not revoked, not expired); undefined
 * otherwise. What a stream re-checks every few seconds: no cache in front of it.
 */
export async function findLiveTokenRole(db: Db, tokenId: string, teamId: string): Promise<Role | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('memberships', 'memberships.user_id', 'api_tokens.user_id')
    .select('memberships.role')
    .where('api_tokens.id', '=', tokenId)
    .where('memberships.team_id', '=', teamId)
    .where('api_tokens.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', new Date())]))
    .executeTakeFirst();
  return row?.role;
}

/** A scheduled event that has come due and was not written yet. */
export interface DueSecretEvent {
  team_id: string;
  secret_id: string;
  version: number;
  private_to: string | null;
  type: 'secret.expiring' | 'secret.expired' | 'secret.rotation_due';
  /** What came due: `expiresIn7Days`, `expiresIn1Day`, `expiresAt` or `rotationPolicy`. */
  detail: string;
  dedupe_key: string;
}

/**
 * Secrets' scheduled events due at `now` and not yet in any team's stream, oldest due first. Keys
 * hold the date they are about (`expires_at`, the next rotation's time): a new `expiresAt` or a
 * rotation arms the events again. Only the latest stage of an expiry is due (a secret created a
 * day before it expires gets `expiresIn1Day`, not both).
 */
export async function listDueSecretEvents(db: Db, now: Date, limit: number): Promise<DueSecretEvent[]> {
  const { rows } = await sql<DueSecretEvent>`
    with due as (
      select secrets.id, secrets.team_id, secrets.version, secrets.expires_at,
             case when secrets.visibility = 'PRIVATE' then secrets.owner_id end as private_to,
             ${nextRotationAt} as next_rotation_at
      from secrets
      -- A secret scheduled for deletion is no longer due anything.
      where secrets.deleted_at is null and ((secrets.expires_at is not null and secrets.expires_at <= ${now}::timestamptz + interval '7 days')
         or secrets.rotation_every_days is not null)
    ), expiry as (
      select due.*, case
          when expires_at <= ${now}::timestamptz then 'expiresAt'
          when expires_at <= ${now}::timestamptz + interval '1 day' then 'expiresIn1Day'
          else 'expiresIn7Days' end as detail
      from due where expires_at <= ${now}::timestamptz + interval '7 days'
    ), events as (
      select team_id, id as secret_id, version, private_to,
             case when detail = 'expiresAt' then 'secret.expired' else 'secret.expiring' end as type, detail,
             'secret.' || detail || ':' || id || ':' || (extract(epoch from expires_at) * 1000)::bigint as dedupe_key,
             expires_at as due_at
      from expiry
      union all
      select team_id, id, version, private_to, 'secret.rotation_due', 'rotationPolicy',
             'secret.rotation_due:' || id || ':' || (extract(epoch from next_rotation_at) * 1000)::bigint,
             next_rotation_at
      from due where next_rotation_at <= ${now}::timestamptz
    )
    select team_id, secret_id, version, private_to, type, detail, dedupe_key from events
    where not exists (select 1 from team_events where team_events.dedupe_key = events.dedupe_key)
    order by due_at limit ${limit}`.execute(db);
  return rows;
}
