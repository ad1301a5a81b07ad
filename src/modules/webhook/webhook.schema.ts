import { builder } from '../../graphql/builder.ts';
import { deleteMutationField } from '../../graphql/delete-mutation.schema.ts';
import { toGlobalId } from '../../graphql/global-id.ts';
import { idInputField, inputMutationField, versionedInputFields } from '../../graphql/input-mutation.ts';
import { changeMutationField } from '../../graphql/change-mutation.schema.ts';
import { nodeOfId } from '../../graphql/node-loading.ts';
import { authorshipFields } from '../auth/auth.schema.ts';
import { TeamRef, teamField } from '../team/team.schema.ts';
import { TeamEventRef } from '../events/events.schema.ts';
import type { WebhookDeliveryRow } from './webhook.repository.ts';
import {
  createWebhook,
  deleteWebhook,
  listTeamWebhooks,
  listWebhookDeliveries,
  loadDeliveryEvent,
  loadWebhook,
  MAX_WEBHOOK_URL_LENGTH,
  rotateWebhookSecret,
  testWebhook,
  updateWebhook,
  type Webhook,
} from './webhook.service.ts';

export const WebhookRef = builder.objectRef<Webhook>('Webhook');

const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: 'Where a delivery stands.',
  values: {
    PENDING: { description: 'Not delivered yet: its next attempt is at `nextAttemptAt`.' },
    SUCCEEDED: { description: 'The receiver answered 2xx.' },
    FAILED: { description: 'Ten attempts failed; no more are made.' },
  } as const,
});

const WebhookDeliveryRef = builder.objectRef<WebhookDeliveryRow>('WebhookDelivery');
WebhookDeliveryRef.implement({
  description: 'One event sent to one webhook, at least once: its attempts and how the last one went.',
  fields: (t) => ({
    id: t.field({
      type: 'ID',
      description: 'The delivery’s id; its raw uuid is the `Cloakroom-Delivery` header of every attempt, so a receiver can drop repeats.',
      resolve: (delivery) => toGlobalId('WebhookDelivery', delivery.id),
    }),
    deliveryId: t.exposeString('id', { description: 'The `Cloakroom-Delivery` header value (a uuid).' }),
    event: t.field({
      type: TeamEventRef,
      nullable: true,
      description: 'The event sent.',
      resolve: (delivery, _args, ctx) => loadDeliveryEvent(ctx, delivery),
    }),
    status: t.field({
      type: WebhookDeliveryStatusEnum,
      description: 'PENDING, SUCCEEDED or FAILED.',
      resolve: (delivery) => delivery.status,
    }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far (at most 10).' }),
    responseStatus: t.exposeInt('response_status', {
      nullable: true,
      description: 'The HTTP status of the last attempt; null when it got no answer (refused, timed out, not allowed).',
    }),
    nextAttemptAt: t.expose('next_attempt_at', {
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt is due (about 30 s after the first failure, doubling); null once SUCCEEDED or FAILED.',
    }),
    lastError: t.exposeString('last_error', {
      nullable: true,
      description:
        'Why the last attempt failed, in our words (`HTTP 500`, `TIMEOUT: …`, `CONNECTION_FAILED: ECONNREFUSED`, `ENDPOINT_NOT_ALLOWED: …`); never the receiver’s body.',
    }),
    createdAt: t.expose('created_at', { type: 'DateTime', description: 'When the event was enqueued for this webhook.' }),
  }),
});

builder.node(WebhookRef, {
  description:
    'A URL that receives the team’s events as signed POSTs (README “Webhooks”: the body, `Cloakroom-Delivery` and `Cloakroom-Signature`). ADMIN and OWNER only (TEAM_ADMIN scope for a scoped token). Its signing secret is shown once, by createWebhook and rotateWebhookSecret, and stored encrypted.',
  ...nodeOfId(loadWebhook),
  fields: (t) => ({
    team: teamField(t, 'The team whose events it receives.'),
    url: t.exposeString('url', { description: 'Where the events are POSTed (https only).' }),
    types: t.exposeStringList('types', { nullable: true, description: 'The event types it receives; null: every type.' }),
    description: t.exposeString('description', { nullable: true, description: 'What it is for.' }),
    version: t.exposeInt('version', { description: 'Bumped by every change (`expectedVersion`).' }),
    ...authorshipFields(t),
    deliveries: t.connection({
      type: WebhookDeliveryRef,
      description: 'Newest first.',
      resolve: (webhook, args, ctx) => listWebhookDeliveries(ctx, webhook, args),
    }),
  }),
});

builder.objectField(TeamRef, 'webhooks', (t) =>
  t.connection({
    type: WebhookRef,
    description: 'Newest first. ADMIN and OWNER only.',
    resolve: (team, args, ctx) => listTeamWebhooks(ctx, team.id, args),
  }),
);

const URL_DESCRIPTION = `An absolute https:// URL, at most ${MAX_WEBHOOK_URL_LENGTH} characters, without a user name or password (WEBHOOK_URL_INVALID). Each delivery checks where it points: a private, loopback or link-local address is refused (ENDPOINT_NOT_ALLOWED in the delivery’s lastError) unless CLOAKROOM_OUTBOUND_ALLOWED_HOSTS lists it.`;
const TYPES_DESCRIPTION =
  'The event types to send (`secret.rotated`, …): 1–50 of 1–100 characters (WEBHOOK_TYPES_INVALID); omitted or null: every type.';

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  description: 'A new webhook.',
  fields: (t) => ({
    teamId: idInputField(t, TeamRef),
    url: t.string({ required: true, description: URL_DESCRIPTION }),
    types: t.stringList({ description: TYPES_DESCRIPTION }),
    description: t.string({ description: 'What it is for; null: none.' }),
  }),
});

/** The success payload `name` of a mutation that answers the webhook and its signing secret, in plaintext in this answer only. */
function withSecretSuccess(name: string, description: string) {
  return builder.objectRef<{ webhook: Webhook; signingSecret: string }>(name).implement({
    description,
    fields: (t) => ({
      webhook: t.field({ type: WebhookRef, description: 'The webhook.', resolve: (success) => success.webhook }),
      signingSecret: t.exposeString('signingSecret', {
        description: 'The signing secret (`whsec_…`): verify `Cloakroom-Signature` with it. Store it now: it is never shown again.',
      }),
    }),
  });
}

inputMutationField('createWebhook', withSecretSuccess('CreateWebhookSuccess', 'The webhook was created.'), {
  description: 'Sends the team’s events to a URL (ADMIN or OWNER). Error codes: WEBHOOK_URL_INVALID, WEBHOOK_TYPES_INVALID.',
  input: [CreateWebhookInput, 'The webhook to create.'],
  resolve: (input, ctx) => createWebhook(ctx, { ...input, teamId: input.teamId.id }),
});

changeMutationField('updateWebhook', WebhookRef, {
  description:
    'Changes a webhook’s URL, types or description (ADMIN or OWNER). Error codes: WEBHOOK_URL_INVALID, WEBHOOK_TYPES_INVALID, VERSION_MISMATCH.',
  input: 'A change to a webhook; omitted fields stay as they are.',
  fields: (t) => ({
    url: t.string({ description: URL_DESCRIPTION }),
    types: t.stringList({ description: `${TYPES_DESCRIPTION} Given as null: every type from now on.` }),
    description: t.string({ description: 'What it is for; null clears it.' }),
  }),
  resolve: (input, ctx) => updateWebhook(ctx, input),
});

const RotateWebhookSecretInput = builder.inputType('RotateWebhookSecretInput', {
  description: 'The webhook whose signing secret to replace.',
  fields: (t) => versionedInputFields(t, WebhookRef),
});

const RotateWebhookSecretSuccess = withSecretSuccess(
  'RotateWebhookSecretSuccess',
  'The signing secret was replaced: attempts from now on are signed with the new one.',
);

inputMutationField('rotateWebhookSecret', RotateWebhookSecretSuccess, {
  description: 'Replaces a webhook’s signing secret (ADMIN or OWNER); the old one signs nothing more. Error codes: VERSION_MISMATCH.',
  input: [RotateWebhookSecretInput, 'The webhook.'],
  resolve: (input, ctx) => rotateWebhookSecret(ctx, { ...input, id: input.id.id }),
});

const TestWebhookInput = builder.inputType('TestWebhookInput', {
  description: 'The webhook to test.',
  fields: (t) => ({ id: idInputField(t, WebhookRef) }),
});

const TestWebhookSuccess = builder.objectRef<{ webhook: Webhook; delivery: WebhookDeliveryRow }>('TestWebhookSuccess').implement({
  description: 'A `webhook.tested` event was enqueued for this webhook alone.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, description: 'The webhook (unchanged).', resolve: (success) => success.webhook }),
    delivery: t.field({
      type: WebhookDeliveryRef,
      description: 'Its delivery, PENDING: follow it in `Webhook.deliveries`.',
      resolve: (success) => success.delivery,
    }),
  }),
});

inputMutationField('testWebhook', TestWebhookSuccess, {
  description:
    'Sends a `webhook.tested` event to this webhook alone, whatever its `types`, signed and retried like any other (ADMIN or OWNER). The webhook does not change: its version stays.',
  input: [TestWebhookInput, 'The webhook.'],
  resolve: (input, ctx) => testWebhook(ctx, { id: input.id.id }),
});

deleteMutationField(
  WebhookRef,
  'Deletes a webhook and its deliveries; pending ones are never sent. ADMIN or OWNER. Error codes: VERSION_MISMATCH.',
  deleteWebhook,
);
