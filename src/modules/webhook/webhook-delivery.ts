import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../database/database.ts';
import { toGlobalId } from '../../graphql/global-id.ts';
import type { Logger } from '../../http/logger.ts';
import { startPeriodicJob } from '../shared/periodic-job.ts';
import type { MasterKeyring } from '../crypto/envelope.ts';
import type { TeamEventRow } from '../events/events.repository.ts';
import { EndpointNotAllowedError, OutboundTimeoutError, type OutboundGuard } from '../outbound/outbound-guard.ts';
import * as webhookRepository from './webhook.repository.ts';
import type { ClaimedDelivery } from './webhook.repository.ts';
import { openSigningSecret } from './webhook.service.ts';

/** Attempts before a delivery is FAILED. */
export const MAX_ATTEMPTS = 10;
/** One attempt's whole budget, connect to last response byte. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

export interface WebhookDeliveryOptions {
  db: Kysely<Database>;
  keyring: MasterKeyring;
  outbound: OutboundGuard;
  logger: Logger;
  /** How often due deliveries are looked for (CLOAKROOM_WEBHOOK_POLL_MS). @default 1_000 */
  pollMs?: number;
  /** The first retry's delay; each next one doubles it (CLOAKROOM_WEBHOOK_RETRY_BASE_MS). @default 30_000 */
  retryBaseMs?: number;
  /** Deliveries claimed per pass. @default 20 */
  batch?: number;
}

/** `Cloakroom-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(signingSecret, t + "." + body)>`. */
export function signatureHeader(signingSecret: string | Buffer, timestamp: number, body: string): string {
  const mac = createHmac('sha256', signingSecret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** The JSON a webhook receives: the event's metadata, with global ids; never a value. */
export function webhookBody(event: TeamEventRow): string {
  return JSON.stringify({
    id: toGlobalId('TeamEvent', event.id),
    type: event.type,
    occurredAt: event.occurred_at.toISOString(),
    team: toGlobalId('Team', event.team_id),
    target: event.target_id ? { type: event.target_type, id: toGlobalId(event.target_type, event.target_id) } : null,
    targetVersion: event.target_version,
    changedFields: event.changed_fields,
    actor: event.actor_user_id ? toGlobalId('User', event.actor_user_id) : null,
  });
}

/** What went wrong, in our words: never the receiver's body or a library's raw message. */
function describeFailure(error: unknown): string {
  if (error instanceof EndpointNotAllowedError) return `ENDPOINT_NOT_ALLOWED: ${error.message}`;
  if (error instanceof OutboundTimeoutError) return `TIMEOUT: no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? `CONNECTION_FAILED: ${code}` : 'CONNECTION_FAILED';
}

/** One attempt of one claimed delivery, and its outcome recorded. */
async function attempt(options: Required<WebhookDeliveryOptions>, delivery: ClaimedDelivery): Promise<void> {
  const { db, keyring, outbound, retryBaseMs } = options;
  const body = webhookBody(delivery.event);
  const secret = openSigningSecret(keyring, delivery);
  let status: number | null = null;
  let error: string | null = null;
  try {
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'cloakroom-webhooks/1',
      'cloakroom-delivery': delivery.id,
      'cloakroom-signature': signatureHeader(secret, Math.floor(Date.now() / 1000), body),
    };
    ({ status } = await outbound.post({ url: delivery.url, headers, body, timeoutMs: ATTEMPT_TIMEOUT_MS }));
    if (status < 200 || status > 299) error = `HTTP ${status}`;
  } catch (failure) {
    error = describeFailure(failure);
  } finally {
    secret.fill(0);
  }
  const done = error === null;
  const gaveUp = !done && delivery.attempts >= MAX_ATTEMPTS;
  options.logger.debug({ deliveryId: delivery.id, attempt: delivery.attempts, responseStatus: status, error }, 'webhook attempt');
  await webhookRepository.finishAttempt(db, delivery.id, delivery.attempts, {
    status: done ? 'SUCCEEDED' : gaveUp ? 'FAILED' : 'PENDING',
    response_status: status,
    last_error: error,
    // About 30 s, 1 min, 2 min, … doubling after each failed attempt.
    next_attempt_at: done || gaveUp ? null : new Date(Date.now() + retryBaseMs * 2 ** (delivery.attempts - 1)),
  });
}

function withDefaults(options: WebhookDeliveryOptions): Required<WebhookDeliveryOptions> {
  return { pollMs: 1_000, retryBaseMs: 30_000, batch: 20, ...options };
}

/**
 * One pass: claims the due deliveries (each attempt by one worker only, whatever the number of
 * servers) and makes their attempts concurrently. Answers how many attempts were made.
 */
export async function deliverDue(options: WebhookDeliveryOptions): Promise<number> {
  const full = withDefaults(options);
  // The lease outlasts an attempt's budget: a live worker always records its attempt first.
  const claimed = await webhookRepository.claimDueDeliveries(full.db, full.batch, ATTEMPT_TIMEOUT_MS + 50_000);
  await Promise.all(
    claimed.map((delivery) =>
      attempt(full, delivery).catch((error: unknown) =>
        full.logger.warn({ err: error, deliveryId: delivery.id }, 'webhook attempt failed'),
      ),
    ),
  );
  return claimed.length;
}

/** Runs `deliverDue` every `pollMs` (at once again after a full batch) until stopped; every server runs it. */
export function startWebhookDelivery(options: WebhookDeliveryOptions): { stop(): Promise<void> } {
  const full = withDefaults(options);
  return startPeriodicJob('webhook delivery pass', full.logger, full.pollMs, async () => (await deliverDue(full)) >= full.batch);
}
