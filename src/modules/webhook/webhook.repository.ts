import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../../database/database.ts';
import { rowsOfMember } from '../shared/rows-of-member.ts';
import { creationKeyset, paginate } from '../../database/keyset.ts';
import type { KeysetPage } from '../../graphql/pagination.ts';
import type { SealedColumns } from '../crypto/crypto.tables.ts';
import type { TeamEventRow } from '../events/events.repository.ts';
import type { WebhookDeliveryStatus, WebhookDeliveryTable, WebhookTable } from './webhook.tables.ts';

export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;

/** Every column but the sealed signing secret: what reads need. */
const METADATA = [
  'id',
  'team_id',
  'url',
  'types',
  'description',
  'secret_version',
  'version',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
] as const;
export type WebhookMetadata = Pick<Selectable<WebhookTable>, (typeof METADATA)[number]>;

/** Webhooks among `ids` in teams the user belongs to (whether they may read them is authorize()'s to say). */
export async function findWebhooksOfMember(db: Db, userId: string, ids: readonly string[]): Promise<WebhookMetadata[]> {
  if (!ids.length) return [];
  return rowsOfMember(db, 'webhooks', userId, ids)
    .select(METADATA.map((column) => `webhooks.${column}` as const))
    .execute();
}

export async function insertWebhook(db: Db, row: Insertable<WebhookTable>): Promise<WebhookMetadata> {
  return db.insertInto('webhooks').values(row).returning(METADATA).executeTakeFirstOrThrow();
}

/** Reads the webhook and locks its row for the rest of the transaction. */
export async function lockWebhook(db: Db, id: string): Promise<WebhookMetadata | undefined> {
  return db.selectFrom('webhooks').select(METADATA).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Applies a change and bumps the version by one. */
export async function updateWebhook(db: Db, id: string, patch: Updateable<WebhookTable>): Promise<WebhookMetadata> {
  return db
    .updateTable('webhooks')
    .set({ ...patch, version: sql`version + 1`, updated_at: new Date() })
    .where('id', '=', id)
    .returning(METADATA)
    .executeTakeFirstOrThrow();
}

export async function deleteWebhook(db: Db, id: string): Promise<void> {
  await db.deleteFrom('webhooks').where('id', '=', id).execute();
}

/** A page of the team's webhooks, newest first, keyset on (created_at, id). */
export async function listWebhooks(db: Db, teamId: string, page: KeysetPage): Promise<WebhookMetadata[]> {
  const query = db.selectFrom('webhooks').select(METADATA).where('team_id', '=', teamId);
  return paginate(query, creationKeyset('DESC'), page).execute();
}

/**
 * One PENDING delivery of the event to each of its team's webhooks that takes its type, in the
 * event's transaction. A PRIVATE secret's events go to no webhook (a team's endpoint is not its
 * owner); `webhook.tested` goes to the tested webhook alone.
 */
export async function enqueueDeliveries(
  db: Db,
  event: Pick<TeamEventRow, 'id' | 'team_id' | 'type' | 'target_id' | 'private_to'>,
): Promise<void> {
  if (event.private_to !== null) return;
  await db
    .insertInto('webhook_deliveries')
    .columns(['webhook_id', 'event_id', 'next_attempt_at'])
    .expression((eb) =>
      eb
        .selectFrom('webhooks')
        .select((inner) => ['webhooks.id', inner.val(event.id).as('event_id'), sql<Date>`now()`.as('next_attempt_at')])
        .where('webhooks.team_id', '=', event.team_id)
        .where((inner) =>
          event.type === 'webhook.tested'
            ? inner('webhooks.id', '=', event.target_id ?? '')
            : inner.or([inner('webhooks.types', 'is', null), sql<boolean>`${event.type} = any(webhooks.types)`]),
        ),
    )
    .execute();
}

/** A page of a webhook's deliveries, newest first, keyset on (created_at, id). */
export async function listDeliveries(db: Db, webhookId: string, page: KeysetPage): Promise<WebhookDeliveryRow[]> {
  const query = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
  return paginate(query, creationKeyset('DESC'), page).execute();
}

/** The newest delivery of an event to a webhook (what `testWebhook` answers). */
export async function findDelivery(db: Db, webhookId: string, eventId: string): Promise<WebhookDeliveryRow | undefined> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
}

/** A claimed attempt: the delivery, its webhook's URL and sealed secret, and its event. */
export interface ClaimedDelivery extends SealedColumns {
  id: string;
  attempts: number;
  webhook_id: string;
  team_id: string;
  url: string;
  secret_version: number;
  event: TeamEventRow;
}

/**
 * Claims up to `limit` due deliveries for one attempt each: `attempts` goes up by one and the
 * delivery is leased for `leaseMs` (a worker that dies mid-attempt leaves it to be claimed again
 * then). SKIP LOCKED: two workers never claim the same attempt, and never wait for each other.
 */
export async function claimDueDeliveries(db: Db, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await sql<Omit<ClaimedDelivery, 'event'> & { event_id: string }>`
    with due as (
      select id from webhook_deliveries
      where status = 'PENDING' and next_attempt_at <= now()
      order by next_attempt_at limit ${limit}
      for update skip locked
    ), claimed as (
      update webhook_deliveries d
      set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
      from due where d.id = due.id
      returning d.id, d.attempts, d.webhook_id, d.event_id
    )
    select claimed.*, w.team_id, w.url, w.secret_version, w.ciphertext, w.iv, w.auth_tag, w.wrapped_data_key, w.master_key_id
    from claimed join webhooks w on w.id = claimed.webhook_id`.execute(db);
  if (!rows.length) return [];
  const events = await db
    .selectFrom('team_events')
    .selectAll()
    .where(
      'id',
      'in',
      rows.map((row) => row.event_id),
    )
    .execute();
  const byId = new Map(events.map((event) => [event.id, event]));
  return rows.flatMap(({ event_id, ...row }) => {
    const event = byId.get(event_id);
    return event ? [{ ...row, event }] : [];
  });
}

/** Records an attempt's outcome, unless another worker has claimed a later attempt since (its lease ran out). */
export async function finishAttempt(
  db: Db,
  id: string,
  attempt: number,
  outcome: { status: WebhookDeliveryStatus; response_status: number | null; last_error: string | null; next_attempt_at: Date | null },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ ...outcome, updated_at: new Date() })
    .where('id', '=', id)
    .where('attempts', '=', attempt)
    .execute();
}
