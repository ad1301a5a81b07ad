import { randomBytes, randomUUID } from 'node:crypto';
import { viewerRole, type Context } from '../../graphql/context.ts';
import { roleMayPerform, scopesAllow } from '../auth/permissions.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { parsePageArgs, toConnection, type PageArgs } from '../../graphql/pagination.ts';
import { recordObjectEvent } from '../audit/audit.service.ts';
import { authorize } from '../auth/auth.service.ts';
import type { MasterKeyring } from '../crypto/envelope.ts';
import { openFromColumns, sealToColumns } from '../crypto/sealed-columns.ts';
import type { SealedColumns } from '../crypto/crypto.tables.ts';
import { EndpointNotAllowedError } from '../outbound/outbound-guard.ts';
import { versionedChange, versionedDelete, type VersionedChangeInput } from '../shared/versioned-change.ts';
import * as eventsRepository from '../events/events.repository.ts';
import type { TeamEventRow } from '../events/events.repository.ts';
import * as webhookRepository from './webhook.repository.ts';
import type { WebhookDeliveryRow, WebhookMetadata } from './webhook.repository.ts';
import { teamObjectFields, type TeamObject } from '../shared/versioned-object.ts';

export interface Webhook extends TeamObject {
  url: string;
  types: string[] | null;
  description: string | null;
}

const toWebhook = (row: WebhookMetadata): Webhook => ({
  ...teamObjectFields(row),
  url: row.url,
  types: row.types,
  description: row.description,
});

/** Longest webhook URL, in characters (the column's check says the same). */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
/** At most this many `types`, each 1–100 characters. */
const MAX_TYPES = 50;
const MAX_TYPE_LENGTH = 100;

/**
 * WEBHOOK_URL_INVALID: an absolute https URL of at most 2048 characters, without credentials in it.
 * Where it points is checked at each delivery (the outbound guard: ENDPOINT_NOT_ALLOWED), since a
 * name's addresses can change after it was accepted.
 */
export function requireWebhookUrl(ctx: Context, url: string): string {
  const fail = (message: string) => ValidationError.forField(['input', 'url'], message, 'WEBHOOK_URL_INVALID');
  if (url.length > MAX_WEBHOOK_URL_LENGTH) throw fail(`url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = ctx.outbound.requireHttps(url);
  } catch (error) {
    if (error instanceof EndpointNotAllowedError) throw fail('url must be an absolute https:// URL');
    throw error;
  }
  if (parsed.username || parsed.password) throw fail('url must not carry a user name or password');
  return parsed.href;
}

/** WEBHOOK_TYPES_INVALID: at most 50 event types of 1–100 characters; null means every type. */
function requireTypes(types: readonly string[] | null | undefined): string[] | null {
  if (types == null) return null;
  if (types.length === 0 || types.length > MAX_TYPES || types.some((type) => type.length === 0 || type.length > MAX_TYPE_LENGTH)) {
    throw ValidationError.forField(
      ['input', 'types'],
      `types takes 1–${MAX_TYPES} event types of 1–${MAX_TYPE_LENGTH} characters (omit it for every type)`,
      'WEBHOOK_TYPES_INVALID',
    );
  }
  return [...new Set(types)];
}

/** The binding a webhook's signing secret is sealed under: prefixed, so it can never pass for a secret's payload. */
function signingSecretBinding(webhook: { team_id: string; id: string }, secretVersion: number) {
  return { teamId: webhook.team_id, secretId: `webhook:${webhook.id}`, version: secretVersion };
}

/** A new signing secret (`whsec_` + 32 random bytes, base64url) and its sealed columns. */
function newSigningSecret(keyring: MasterKeyring, webhook: { team_id: string; id: string }, secretVersion: number) {
  const signingSecret = `whsec_${randomBytes(32).toString('base64url')}`;
  return {
    signingSecret,
    sealed: { ...sealToColumns(keyring, signingSecret, signingSecretBinding(webhook, secretVersion)), secret_version: secretVersion },
  };
}

/** The signing secret of a claimed delivery's webhook, opened for signing. */
export function openSigningSecret(
  keyring: MasterKeyring,
  row: SealedColumns & { team_id: string; webhook_id: string; secret_version: number },
): Buffer {
  return openFromColumns(keyring, row, signingSecretBinding({ team_id: row.team_id, id: row.webhook_id }, row.secret_version));
}

/** Authorises `webhook:write` (NotFound for other teams), then runs `change` with the webhook locked and its version checked. */
const changeWebhook = versionedChange<WebhookMetadata>({
  what: 'webhook',
  visible: async (ctx, id) => (await webhookRepository.findWebhooksOfMember(ctx.db, ctx.viewer.userId, [id]))[0],
  authorize: 'webhook:write',
  lock: webhookRepository.lockWebhook,
});

export interface CreateWebhookInput {
  teamId: string;
  url: string;
  types?: readonly string[] | null | undefined;
  description?: string | null | undefined;
}

/** A new webhook and its signing secret, which this answer alone holds in plaintext. */
export async function createWebhook(ctx: Context, input: CreateWebhookInput): Promise<{ webhook: Webhook; signingSecret: string }> {
  await authorize(ctx, input.teamId, 'webhook:write');
  const url = requireWebhookUrl(ctx, input.url);
  const types = requireTypes(input.types);
  const id = randomUUID();
  const { signingSecret, sealed } = newSigningSecret(ctx.keyring, { team_id: input.teamId, id }, 1);
  return ctx.db.transaction().execute(async (trx) => {
    const row = await webhookRepository.insertWebhook(trx, {
      id,
      team_id: input.teamId,
      url,
      types,
      description: input.description ?? null,
      ...sealed,
      created_by: ctx.viewer.userId,
      updated_by: ctx.viewer.userId,
    });
    await recordObjectEvent(trx, ctx, 'Webhook', 'webhook.created', row, ['url', 'types', 'description', 'signingSecret']);
    return { webhook: toWebhook(row), signingSecret };
  });
}

export interface UpdateWebhookInput extends VersionedChangeInput {
  url?: string | null | undefined;
  types?: readonly string[] | null | undefined;
  description?: string | null | undefined;
}

/** Changes a webhook's URL, types or description; omitted fields stay, `types: null` means every type. */
export async function updateWebhook(ctx: Context, input: UpdateWebhookInput): Promise<Webhook> {
  const patch = {
    ...(input.url != null && { url: requireWebhookUrl(ctx, input.url) }),
    ...(input.types !== undefined && { types: requireTypes(input.types) }),
    ...(input.description !== undefined && { description: input.description }),
  };
  return changeWebhook(ctx, input.id, input.expectedVersion, async (trx) => {
    const row = await webhookRepository.updateWebhook(trx, input.id, { ...patch, updated_by: ctx.viewer.userId });
    await recordObjectEvent(trx, ctx, 'Webhook', 'webhook.updated', row, Object.keys(patch));
    return toWebhook(row);
  });
}

/** A new signing secret; the old one stops signing at once (deliveries after this are signed with the new one). */
export async function rotateWebhookSecret(ctx: Context, input: VersionedChangeInput): Promise<{ webhook: Webhook; signingSecret: string }> {
  return changeWebhook(ctx, input.id, input.expectedVersion, async (trx, current) => {
    const { signingSecret, sealed } = newSigningSecret(ctx.keyring, current, current.secret_version + 1);
    const row = await webhookRepository.updateWebhook(trx, input.id, { ...sealed, updated_by: ctx.viewer.userId });
    await recordObjectEvent(trx, ctx, 'Webhook', 'webhook.rotated', row, ['signingSecret']);
    return { webhook: toWebhook(row), signingSecret };
  });
}

/** Deletes a webhook and its deliveries (pending ones are never sent). */
export const deleteWebhook = versionedDelete(changeWebhook, 'Webhook', 'webhook.deleted', webhookRepository.deleteWebhook);

/**
 * Sends a `webhook.tested` event to this webhook alone (whatever its `types`): a delivery like any
 * other, signed, retried, listed. The webhook itself does not change: its version stays.
 */
export async function testWebhook(ctx: Context, input: { id: string }): Promise<{ webhook: Webhook; delivery: WebhookDeliveryRow }> {
  const visible = (await webhookRepository.findWebhooksOfMember(ctx.db, ctx.viewer.userId, [input.id]))[0];
  if (!visible) throw new NotFoundError('No such webhook');
  await authorize(ctx, visible.team_id, 'webhook:write');
  return ctx.db.transaction().execute(async (trx) => {
    const current = await webhookRepository.lockWebhook(trx, input.id);
    if (!current) throw new NotFoundError('No such webhook');
    const eventId = await recordObjectEvent(trx, ctx, 'Webhook', 'webhook.tested', current);
    const delivery = await webhookRepository.findDelivery(trx, current.id, eventId);
    return { webhook: toWebhook(current), delivery: delivery! };
  });
}

/** The webhook, if the viewer may read its team's webhooks (ADMIN, OWNER; TEAM_ADMIN scope); null otherwise, as for unknown ids. */
export async function loadWebhook(ctx: Context, id: string): Promise<Webhook | null> {
  const row = (await webhookRepository.findWebhooksOfMember(ctx.db, ctx.viewer.userId, [id]))[0];
  if (!row) return null;
  // A read: no DENIED audit event, as authorize() would record.
  const role = await viewerRole(ctx, row.team_id);
  const readable = role !== null && roleMayPerform(role, 'webhook:read') && scopesAllow(ctx.viewer.scopes, 'webhook:read');
  return readable ? toWebhook(row) : null;
}

export async function listTeamWebhooks(ctx: Context, teamId: string, args: PageArgs) {
  await authorize(ctx, teamId, 'webhook:read');
  const page = parsePageArgs(args, 'timestamp');
  const rows = await webhookRepository.listWebhooks(ctx.db, teamId, page);
  return toConnection(rows, page, (row) => [row.created_at.toISOString(), row.id], toWebhook);
}

/** A webhook's deliveries, newest first (the webhook is already one the viewer may read). */
export async function listWebhookDeliveries(ctx: Context, webhook: Webhook, args: PageArgs) {
  await authorize(ctx, webhook.teamId, 'webhook:read');
  const page = parsePageArgs(args, 'timestamp');
  const rows = await webhookRepository.listDeliveries(ctx.db, webhook.id, page);
  return toConnection(
    rows,
    page,
    (row) => [row.created_at.toISOString(), row.id],
    (row) => row,
  );
}

/** The event a delivery sent (the delivery is one the viewer may already read). */
export async function loadDeliveryEvent(ctx: Context, delivery: WebhookDeliveryRow): Promise<TeamEventRow | null> {
  return (await eventsRepository.findTeamEvent(ctx.db, delivery.event_id)) ?? null;
}
