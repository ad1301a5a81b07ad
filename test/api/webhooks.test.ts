/**
 * Webhooks through the real stack: the API manages them, the delivery worker (called here pass by
 * pass, as every server's loop does) POSTs through the outbound guard to an https receiver on
 * 127.0.0.1 whose certificate a test CA (openssl, at test time) signed. The receiver verifies each
 * signature with README's own snippet.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { createTeamWithOwner, execute, executeOk } from '../helpers/app.ts';
import { CreateWebhook, RotateWebhookSecret, UpdateTeam } from '../helpers/documents.ts';
import { createS3Secret, useTestApp } from '../helpers/fixtures.ts';
import { registeredPlaintexts } from '../helpers/harness-checks.ts';
import { rawId, unknownId } from '../helpers/ids.ts';
import { dumpDatabase, findLeaks } from '../helpers/leaks.ts';
import { createTestCa } from '../helpers/test-ca.ts';
import { createLogger } from '../../src/http/logger.ts';
import { createOutboundGuard } from '../../src/modules/outbound/outbound-guard.ts';
import { deliverDue, MAX_ATTEMPTS } from '../../src/modules/webhook/webhook-delivery.ts';

const ca = createTestCa();
const outbound = createOutboundGuard({ allowedHosts: ['127.0.0.1'], extraCa: ca.caPem });
const { t, team } = useTestApp({ members: true, outbound });
const logger = createLogger('silent');

/** README's signature check, extracted and imported as it is printed. */
let verifyCloakroomSignature: (secret: string, header: string, body: string, toleranceSeconds?: number) => boolean;

interface Received {
  path: string;
  delivery: string;
  signature: string;
  body: string;
}
const received: Received[] = [];
/** Per path: the statuses to answer, in order (then 200). */
const scripts = new Map<string, number[]>();
let receiver: https.Server;
let base: string;

beforeAll(async () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const snippet = /<!-- webhook-signature-snippet -->\s*```js\n([\s\S]*?)```/.exec(readme)![1]!;
  const file = join(ca.dir, 'verify-signature.mjs');
  writeFileSync(file, snippet);
  ({ verifyCloakroomSignature } = (await import(pathToFileURL(file).href)) as {
    verifyCloakroomSignature: typeof verifyCloakroomSignature;
  });

  receiver = https.createServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({
        path,
        delivery: String(req.headers['cloakroom-delivery']),
        signature: String(req.headers['cloakroom-signature']),
        body,
      });
      const status = scripts.get(path)?.shift() ?? 200;
      res.writeHead(status).end(status >= 300 ? 'receiver says no: secret-looking-text' : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  ca.remove();
});

const UpdateWebhook = graphql(`
  mutation UpdateWebhook($input: UpdateWebhookInput!) {
    updateWebhook(input: $input) {
      __typename
      ... on UpdateWebhookSuccess {
        webhook {
          ...WebhookFields
        }
      }
      ... on Error {
        code
      }
    }
  }
`);

const DeleteWebhook = graphql(`
  mutation DeleteWebhook($input: DeleteWebhookInput!) {
    deleteWebhook(input: $input) {
      __typename
      ... on DeleteWebhookSuccess {
        deletedWebhookId
      }
      ... on Error {
        code
      }
    }
  }
`);

const TestWebhook = graphql(`
  mutation TestWebhook($input: TestWebhookInput!) {
    testWebhook(input: $input) {
      __typename
      ... on TestWebhookSuccess {
        webhook {
          id
          version
        }
        delivery {
          deliveryId
          status
        }
      }
      ... on Error {
        code
      }
    }
  }
`);

const Deliveries = graphql(`
  query WebhookDeliveries($id: ID!) {
    node(id: $id) {
      ... on Webhook {
        deliveries(first: 50) {
          edges {
            node {
              deliveryId
              status
              attempts
              responseStatus
              nextAttemptAt
              lastError
              event {
                type
                targetId
              }
            }
          }
        }
      }
    }
  }
`);

const TeamWebhooks = graphql(`
  query TeamWebhooks($id: ID!) {
    team(id: $id) {
      webhooks(first: 10) {
        edges {
          node {
            id
            url
          }
        }
      }
    }
  }
`);

async function create(path: string, types?: string[]) {
  const { createWebhook } = await executeOk(
    t.app,
    CreateWebhook,
    { input: { teamId: team.teamId, url: `${base}${path}`, types } },
    team.ownerToken,
  );
  if (createWebhook.__typename !== 'CreateWebhookSuccess') throw new Error(JSON.stringify(createWebhook));
  return createWebhook;
}

async function deliveriesOf(webhookId: string) {
  const data = await executeOk(t.app, Deliveries, { id: webhookId }, team.ownerToken);
  return data.node && 'deliveries' in data.node ? data.node.deliveries.edges.map((edge) => edge.node) : [];
}

/** Runs delivery passes until `done` holds (the retry base is tiny: backoff in milliseconds). */
async function deliverUntil(done: () => Promise<boolean>, retryBaseMs = 20, timeoutMs = 20_000) {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > timeoutMs) throw new Error('deliveries did not settle');
    await deliverDue({ db: t.db, keyring: t.keyring, outbound, logger, retryBaseMs });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const rename = (name: string) => executeOk(t.app, UpdateTeam, { input: { id: team.teamId, name } }, team.ownerToken);

describe('managing webhooks', () => {
  test('createWebhook answers a whsec_ signing secret once; it is stored sealed, never in plaintext', async () => {
    const created = await create('/managed');
    expect(created.signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.webhook).toMatchObject({ url: `${base}/managed`, types: null, version: 1 });
    const { haystacks } = await dumpDatabase(t.db);
    expect(findLeaks(haystacks, [created.signingSecret])).toEqual([]);
    expect(findLeaks([{ where: 'logs', text: t.logs.join('\n') }], [created.signingSecret])).toEqual([]);
  });

  test('ADMIN and OWNER only; another team’s id is not found; bad input changes nothing', async () => {
    const created = await create('/roles');
    for (const role of ['OPERATOR', 'VIEWER'] as const) {
      const { body } = await execute(t.app, CreateWebhook, { input: { teamId: team.teamId, url: `${base}/x` } }, team.members[role].token);
      expect(body.data?.createWebhook?.__typename, role).toBe('ForbiddenError');
      const list = await execute(t.app, TeamWebhooks, { id: team.teamId }, team.members[role].token);
      expect(list.body.errors?.[0]?.extensions?.code, role).toBe('FORBIDDEN');
    }
    const admin = await executeOk(t.app, TeamWebhooks, { id: team.teamId }, team.members.ADMIN.token);
    expect(admin.team!.webhooks.edges.map((edge) => edge.node.id)).toContain(created.webhook.id);
    const other = await createTeamWithOwner(t.db);
    const foreign = await execute(t.app, UpdateWebhook, { input: { id: created.webhook.id, description: 'x' } }, other.ownerToken);
    expect(foreign.body.data?.updateWebhook?.__typename).toBe('NotFoundError');
    for (const url of ['http://127.0.0.1/hook', 'not a url', `https://user:pw@127.0.0.1/hook`, `https://127.0.0.1/${'x'.repeat(2100)}`]) {
      const { body } = await execute(t.app, CreateWebhook, { input: { teamId: team.teamId, url } }, team.ownerToken);
      expect(body.data?.createWebhook, url.slice(0, 40)).toMatchObject({ __typename: 'ValidationError', code: 'WEBHOOK_URL_INVALID' });
    }
    const { body } = await execute(t.app, CreateWebhook, { input: { teamId: team.teamId, url: `${base}/x`, types: [] } }, team.ownerToken);
    expect(body.data?.createWebhook).toMatchObject({ code: 'WEBHOOK_TYPES_INVALID' });
    const stale = await execute(
      t.app,
      UpdateWebhook,
      { input: { id: created.webhook.id, description: 'x', expectedVersion: 7 } },
      team.ownerToken,
    );
    expect(stale.body.data?.updateWebhook).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });
    const updated = await executeOk(
      t.app,
      UpdateWebhook,
      { input: { id: created.webhook.id, types: ['team.updated'], expectedVersion: 1 } },
      team.ownerToken,
    );
    expect(updated.updateWebhook).toMatchObject({ webhook: { types: ['team.updated'], version: 2 } });
    const deleted = await executeOk(t.app, DeleteWebhook, { input: { id: created.webhook.id } }, team.ownerToken);
    expect(deleted.deleteWebhook).toMatchObject({ deletedWebhookId: created.webhook.id });
  });
});

describe('isolation', () => {
  test('another team’s webhook answers every mutation exactly like an unknown id, and nothing changes', async () => {
    const { webhook } = await create('/isolated');
    const intruder = await createTeamWithOwner(t.db);
    const unknown = unknownId('Webhook');
    const attempts: [string, (id: string) => Promise<unknown>][] = [
      [
        'updateWebhook',
        async (id) => (await execute(t.app, UpdateWebhook, { input: { id, url: `${base}/stolen` } }, intruder.ownerToken)).body,
      ],
      ['rotateWebhookSecret', async (id) => (await execute(t.app, RotateWebhookSecret, { input: { id } }, intruder.ownerToken)).body],
      ['testWebhook', async (id) => (await execute(t.app, TestWebhook, { input: { id } }, intruder.ownerToken)).body],
      ['deleteWebhook', async (id) => (await execute(t.app, DeleteWebhook, { input: { id } }, intruder.ownerToken)).body],
      ['node', async (id) => (await execute(t.app, Deliveries, { id }, intruder.ownerToken)).body],
    ];
    for (const [name, attempt] of attempts) {
      const foreign = JSON.stringify(await attempt(webhook.id)).replaceAll(webhook.id, '<id>');
      expect(foreign, name).toBe(JSON.stringify(await attempt(unknown)).replaceAll(unknown, '<id>'));
    }
    const created = await execute(t.app, CreateWebhook, { input: { teamId: team.teamId, url: `${base}/x` } }, intruder.ownerToken);
    expect(created.body.data?.createWebhook).toMatchObject({ __typename: 'NotFoundError' });
    // Only its own creation reached it: no test, no update, no rotation.
    expect((await deliveriesOf(webhook.id)).map((delivery) => delivery.event?.type)).toEqual(['webhook.created']);
    const row = await t.db.selectFrom('webhooks').select(['url', 'version']).where('id', '=', rawId(webhook.id)).executeTakeFirstOrThrow();
    expect(row).toEqual({ url: `${base}/isolated`, version: 1 });
  });
});

describe('deliveries', () => {
  test('signed POSTs of the event’s metadata: 500 twice then 200 → SUCCEEDED after 3 attempts, one Cloakroom-Delivery id', async () => {
    const { webhook, signingSecret } = await create('/flaky', ['team.updated']);
    scripts.set('/flaky', [500, 500]);
    await rename('Webhook flaky');
    await deliverUntil(async () => (await deliveriesOf(webhook.id)).every((d) => d.status !== 'PENDING'));
    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery).toMatchObject({
      status: 'SUCCEEDED',
      attempts: 3,
      responseStatus: 200,
      nextAttemptAt: null,
      event: { type: 'team.updated', targetId: team.teamId },
    });
    const attempts = received.filter((request) => request.path === '/flaky');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((request) => request.delivery))).toEqual(new Set([delivery!.deliveryId]));
    for (const request of attempts) expect(verifyCloakroomSignature(signingSecret, request.signature, request.body)).toBe(true);
    expect(verifyCloakroomSignature(signingSecret, attempts[0]!.signature, `${attempts[0]!.body} `)).toBe(false);
    expect(JSON.parse(attempts[0]!.body)).toEqual({
      id: expect.any(String),
      type: 'team.updated',
      occurredAt: expect.any(String),
      team: team.teamId,
      target: { type: 'Team', id: team.teamId },
      targetVersion: expect.any(Number),
      changedFields: ['name'],
      actor: team.ownerId,
    });
  });

  test('a receiver that is down: retries with growing gaps, then FAILED after 10 attempts', async () => {
    // A port nothing listens on: the receiver's, once closed.
    const closed = https.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { createWebhook } = await executeOk(
      t.app,
      CreateWebhook,
      { input: { teamId: team.teamId, url: `https://127.0.0.1:${port}/down`, types: ['team.updated'] } },
      team.ownerToken,
    );
    if (createWebhook.__typename !== 'CreateWebhookSuccess') throw new Error('no webhook');
    await rename('Webhook down');
    const gaps: number[] = [];
    const webhookId = rawId(createWebhook.webhook.id);
    await deliverUntil(async () => {
      const row = await t.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).executeTakeFirstOrThrow();
      if (row.status === 'PENDING' && row.next_attempt_at && row.attempts > gaps.length)
        gaps.push(row.next_attempt_at.getTime() - row.updated_at.getTime());
      return row.status !== 'PENDING';
    }, 5);
    const [delivery] = await deliveriesOf(createWebhook.webhook.id);
    expect(delivery).toMatchObject({
      status: 'FAILED',
      attempts: MAX_ATTEMPTS,
      responseStatus: null,
      nextAttemptAt: null,
      lastError: 'CONNECTION_FAILED: ECONNREFUSED',
    });
    expect(gaps).toHaveLength(MAX_ATTEMPTS - 1);
    for (let index = 1; index < gaps.length; index++) expect(gaps[index]!).toBeGreaterThan(gaps[index - 1]!);
  });

  test('two workers on one outbox never make the same attempt twice', async () => {
    const { webhook } = await create('/once', ['team.updated']);
    for (let index = 0; index < 30; index++) await rename(`Webhook once ${index}`);
    const workers = Array.from({ length: 2 }, async () => {
      for (let pass = 0; pass < 50; pass++) {
        if ((await deliverDue({ db: t.db, keyring: t.keyring, outbound, logger, batch: 3 })) === 0) return;
      }
    });
    await Promise.all(workers);
    const deliveries = await deliveriesOf(webhook.id);
    expect(deliveries).toHaveLength(30);
    for (const delivery of deliveries) expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    const ids = received.filter((request) => request.path === '/once').map((request) => request.delivery);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
  });

  test('testWebhook: a webhook.tested event to that webhook alone, whatever its types; its version stays', async () => {
    const { webhook, signingSecret } = await create('/tested', ['secret.rotated']);
    const bystander = await create('/bystander');
    const { testWebhook } = await executeOk(t.app, TestWebhook, { input: { id: webhook.id } }, team.ownerToken);
    expect(testWebhook).toMatchObject({ webhook: { id: webhook.id, version: 1 }, delivery: { status: 'PENDING' } });
    await deliverUntil(async () => (await deliveriesOf(webhook.id)).every((d) => d.status === 'SUCCEEDED'));
    const request = received.findLast((r) => r.path === '/tested')!;
    expect(JSON.parse(request.body)).toMatchObject({ type: 'webhook.tested', target: { type: 'Webhook', id: webhook.id } });
    expect(verifyCloakroomSignature(signingSecret, request.signature, request.body)).toBe(true);
    expect((await deliveriesOf(bystander.webhook.id)).map((d) => d.event?.type)).not.toContain('webhook.tested');
  });

  test('rotateWebhookSecret: later deliveries are signed with the new secret only', async () => {
    const { webhook, signingSecret: old } = await create('/rotated', ['team.updated']);
    const { rotateWebhookSecret } = await executeOk(t.app, RotateWebhookSecret, { input: { id: webhook.id } }, team.ownerToken);
    if (rotateWebhookSecret.__typename !== 'RotateWebhookSecretSuccess') throw new Error('no rotation');
    expect(rotateWebhookSecret.signingSecret).not.toBe(old);
    await rename('Webhook rotated');
    await deliverUntil(async () => (await deliveriesOf(webhook.id)).every((d) => d.status === 'SUCCEEDED'));
    const request = received.findLast((r) => r.path === '/rotated')!;
    expect(verifyCloakroomSignature(rotateWebhookSecret.signingSecret, request.signature, request.body)).toBe(true);
    expect(verifyCloakroomSignature(old, request.signature, request.body)).toBe(false);
  });

  test('a PRIVATE secret’s events go to no webhook; no delivery body carries a plaintext value', async () => {
    const { webhook } = await create('/private', ['secret.created']);
    const operator = team.members.OPERATOR;
    await createS3Secret(
      t.app,
      team,
      { secretType: 'ENV', credentials: { envVars: [{ key: 'MINE', value: 'private-value-12345' }] }, shared: false },
      operator.token,
    );
    const shared = await createS3Secret(t.app, team);
    await deliverUntil(async () => (await deliveriesOf(webhook.id)).every((d) => d.status === 'SUCCEEDED'));
    expect((await deliveriesOf(webhook.id)).map((d) => d.event?.targetId)).toEqual([shared.id]);
    const bodies = received.map((request) => request.body).join('\n');
    expect(findLeaks([{ where: 'delivery bodies', text: bodies }], [...registeredPlaintexts(), 'private-value-12345'])).toEqual([]);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from webhook_deliveries where last_error like '%secret-looking%'`.execute(t.db);
    expect(rows[0]!.n).toBe(0);
  });
});
