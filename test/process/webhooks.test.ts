/**
 * Webhook delivery by two `node src/server.ts` processes on the run's PostgreSQL database, to an
 * https receiver on 127.0.0.1 whose certificate a test CA (openssl, at test time) signed: the
 * servers trust it through NODE_EXTRA_CA_CERTS, which Node reads only at start, so it is in their
 * environment. Both servers' workers poll the one outbox every 50 ms.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { print } from 'graphql';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTeamWithOwner, type TestTeam } from '../helpers/app.ts';
import { openTestDatabase, testDatabaseUrl } from '../helpers/database.ts';
import { UpdateTeam } from '../helpers/documents.ts';
import { rawId } from '../helpers/ids.ts';
import { killServers, spawnServer, type ServerProcess } from '../helpers/server-process.ts';
import { createTestCa, type TestCa } from '../helpers/test-ca.ts';
import type { Database } from '../../src/database/database.ts';

const masterKey = randomBytes(32).toString('base64');

describe.runIf(testDatabaseUrl)('webhooks delivered by two server processes (PostgreSQL)', () => {
  let db: Kysely<Database>;
  let team: TestTeam;
  let ca: TestCa;
  let receiver: https.Server;
  let receiverUrl: string;
  const received: { delivery: string; signature: string; body: string }[] = [];
  let servers: ServerProcess[];
  let urls: string[];

  beforeAll(async () => {
    db = await openTestDatabase();
    team = await createTeamWithOwner(db);
    ca = createTestCa();
    receiver = https.createServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ delivery: String(req.headers['cloakroom-delivery']), signature: String(req.headers['cloakroom-signature']), body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    servers = [0, 1].map(() =>
      spawnServer({
        DATABASE_URL: testDatabaseUrl!,
        CLOAKROOM_MASTER_KEY: masterKey,
        CLOAKROOM_MIGRATE: 'false',
        LOG_LEVEL: 'debug',
        NODE_EXTRA_CA_CERTS: ca.caFile,
        CLOAKROOM_OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        CLOAKROOM_WEBHOOK_POLL_MS: '50',
        CLOAKROOM_RATE_LIMIT_MUTATIONS_PER_MINUTE: '0',
        CLOAKROOM_RATE_LIMIT_TEAM_MUTATIONS_PER_MINUTE: '0',
      }),
    );
    urls = await Promise.all(servers.map((server) => server.listening()));
  }, 60_000);

  afterAll(async () => {
    await killServers();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    ca?.remove();
    await db?.destroy();
  });

  async function graphqlPost(url: string, query: string, variables: unknown) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${team.ownerToken}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, Record<string, unknown>> };
  }

  test('every event delivered once, each attempt by one server, every signature valid', async () => {
    const created = await graphqlPost(
      urls[0]!,
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { __typename ... on CreateWebhookSuccess { signingSecret webhook { id } } } }',
      { input: { teamId: team.teamId, url: receiverUrl, types: ['team.updated'] } },
    );
    const { signingSecret, webhook } = created.data!.createWebhook as { signingSecret: string; webhook: { id: string } };
    // 40 changes, through both servers.
    for (let index = 0; index < 40; index++) {
      const result = await graphqlPost(urls[index % 2]!, print(UpdateTeam), {
        input: { id: team.teamId, name: `Hooked ${index} ${randomUUID().slice(0, 4)}` },
      });
      expect(result.data?.updateTeam?.__typename).toBe('UpdateTeamSuccess');
    }
    const started = Date.now();
    const webhookId = rawId(webhook.id);
    for (;;) {
      const pending = await db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('webhook_id', '=', webhookId)
        .where('status', '!=', 'SUCCEEDED')
        .executeTakeFirstOrThrow();
      if (Number(pending.n) === 0) break;
      if (Date.now() - started > 20_000) throw new Error(`${pending.n} deliveries still not SUCCEEDED`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rows = await db.selectFrom('webhook_deliveries').select(['id', 'attempts']).where('webhook_id', '=', webhookId).execute();
    expect(rows).toHaveLength(40);
    expect(rows.every((row) => row.attempts === 1)).toBe(true);
    expect(received).toHaveLength(40);
    // Both servers made attempts, and no attempt was made by both.
    const attemptsBy = servers.map((server) =>
      server.stdout
        .filter((line) => line.includes('"msg":"webhook attempt"'))
        .map((line) => (JSON.parse(line) as { deliveryId: string }).deliveryId),
    );
    for (const ids of attemptsBy) expect(ids.length).toBeGreaterThan(0);
    expect(attemptsBy[0]!.filter((id) => attemptsBy[1]!.includes(id))).toEqual([]);
    expect(attemptsBy[0]!.length + attemptsBy[1]!.length).toBe(40);
    expect(new Set(received.map((request) => request.delivery))).toEqual(new Set(rows.map((row) => row.id)));
    for (const request of received) {
      const { t, v1 } = Object.fromEntries(request.signature.split(',').map((part) => part.split('=', 2))) as { t: string; v1: string };
      const expected = createHmac('sha256', signingSecret).update(`${t}.${request.body}`).digest();
      expect(timingSafeEqual(Buffer.from(v1, 'hex'), expected)).toBe(true);
    }
  }, 60_000);
});
