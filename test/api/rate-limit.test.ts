import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse, print, type ExecutionResult } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type App, type AppOptions } from '../../src/http/app.ts';
import { fromGlobalId } from '../../src/graphql/global-id.ts';
import { createLogger } from '../../src/http/logger.ts';
import { issueToken } from '../../src/modules/auth/auth.service.ts';
import { issueMemberToken } from '../../src/modules/team/team.service.ts';
import type { RateLimitOptions } from '../../src/http/plugins/rate-limit/options.ts';
import { createRateLimitRedis } from '../../src/http/plugins/rate-limit/store.ts';
import { addMember, createTeamWithOwner, startTestApp, type TestApp, type TestTeam } from '../helpers/app.ts';
import { CreateSecret, NodeById } from '../helpers/documents.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';

/*
 * Rate limits (src/http/plugins/rate-limit/): per token, user and team, stricter for mutations,
 * per client IP for unauthenticated requests; in memory or shared through Redis.
 */

let t: TestApp;
const logger = createLogger('silent');

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

/** Another instance of the application on the test database, with these limits. */
function appWith(rateLimit: AppOptions['rateLimit']): App {
  return createApp({ db: t.db, keyring: t.keyring, logger, rateLimit });
}

/** An app with these limits, a team of its own, and one secret of that team created through the app (so it is charged). */
async function appWithSecret(rateLimit: AppOptions['rateLimit']) {
  const app = appWith(rateLimit);
  const team = await createTeamWithOwner(t.db);
  const secretId = secretIdOf(await createSecret(app, team));
  return { app, team, secretId };
}

interface Sent<T> {
  status: number;
  headers: Headers;
  body: ExecutionResult<T>;
}

/** POSTs an operation as a client at `ip` would (the Node adapter's `req.socket`, which `yoga.fetch` lacks). */
async function send<TResult, TVariables>(
  app: App,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  { token, ip = '192.0.2.1' }: { token?: string; ip?: string } = {},
): Promise<Sent<TResult>> {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query: print(document), variables }),
  };
  const serverContext = { req: { socket: { remoteAddress: ip } } } as unknown as Parameters<App['fetch']>[2];
  const response = await app.fetch('http://cloakroom.test/graphql', init, serverContext);
  return { status: response.status, headers: response.headers, body: (await response.json()) as ExecutionResult<TResult> };
}

const query = (app: App, team: TestTeam, token = team.ownerToken, ip?: string) => send(app, NodeById, { id: team.teamId }, { token, ip });

function createSecret(app: App, team: TestTeam, token = team.ownerToken, name = `rl-${randomUUID()}`) {
  return send(
    app,
    CreateSecret,
    { input: { teamId: team.teamId, name, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } } },
    { token },
  );
}

function rateHeaders(headers: Headers) {
  return {
    limit: Number(headers.get('x-ratelimit-limit')),
    remaining: Number(headers.get('x-ratelimit-remaining')),
    reset: Number(headers.get('x-ratelimit-reset')),
  };
}

/** Asserts the whole 429 answer and returns its Retry-After in seconds. */
function expectRateLimited(response: Sent<unknown>, scope: RegExp): number {
  expect(response.status).toBe(429);
  expect(response.body.data ?? undefined).toBeUndefined();
  expect(response.body.errors).toHaveLength(1);
  const [error] = response.body.errors!;
  expect(error!.extensions).toEqual({ code: 'RATE_LIMITED', requestId: response.headers.get('x-request-id') });
  expect(error!.message).toMatch(scope);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect(rateHeaders(response.headers)).toMatchObject({ remaining: 0, reset: retryAfter });
  return retryAfter;
}

async function secretsNamed(name: string): Promise<number> {
  const row = await t.db
    .selectFrom('secrets')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** `n` aliased rotations of one secret in one operation. */
function rotations(n: number): TypedDocumentNode<Record<string, { __typename: string }>, { id: string; key: unknown }> {
  const fields = Array.from(
    { length: n },
    (_, i) => `r${i}: rotateSecret(input: { id: $id, credentials: { accessKey: $key } }) { __typename }`,
  );
  return parse(`mutation Rotations($id: ID!, $key: AccessKeyCredentialsInput!) { ${fields.join(' ')} }`);
}

/** `n` aliased rotations of `secretId` (fresh credentials) in one operation, sent with `token`. */
function rotate(app: App, secretId: string, n: number, token: string) {
  return send(app, rotations(n), { id: secretId, key: fixtures.accessKey() }, { token });
}

function secretIdOf(response: Sent<{ createSecret: { __typename: string } | null }>): string {
  const result = response.body.data?.createSecret as { __typename: string; secret?: { id: string } } | undefined;
  if (!result?.secret) throw new Error(JSON.stringify(response.body));
  return result.secret.id;
}

async function secretVersion(secretId: string): Promise<number> {
  const row = await t.db
    .selectFrom('secrets')
    .select('version')
    .where('id', '=', fromGlobalId(secretId, 'Secret'))
    .executeTakeFirstOrThrow();
  return row.version;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('in memory', () => {
  test('every GraphQL response carries X-RateLimit-*, and Remaining goes down with each operation', async () => {
    const app = appWith({ perToken: { queries: 5, mutations: 2 }, unauthenticatedPerIp: 10 });
    const team = await createTeamWithOwner(t.db);

    const seen = [];
    for (let i = 0; i < 3; i++) {
      const response = await query(app, team);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      seen.push(rateHeaders(response.headers));
    }
    expect(seen.map((headers) => headers.remaining)).toEqual([4, 3, 2]);
    for (const headers of seen) {
      expect(headers.limit).toBe(5);
      // Seconds until the window ends (a delta, not an epoch).
      expect(headers.reset).toBeGreaterThanOrEqual(1);
      expect(headers.reset).toBeLessThanOrEqual(60);
    }

    // A 401 shows the address's budget for requests without a valid token.
    const unauthenticated = await query(app, team, 'not-a-token', '192.0.2.77');
    expect(unauthenticated.status).toBe(401);
    expect(rateHeaders(unauthenticated.headers)).toMatchObject({ limit: 10, remaining: 9 });

    // So does a request refused before authentication (an invalid document): counted nowhere.
    const invalid = await app.fetch('http://cloakroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${team.ownerToken}` },
      body: JSON.stringify({ query: '{ noSuchField }' }),
    });
    expect(((await invalid.json()) as ExecutionResult).errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(rateHeaders(invalid.headers)).toMatchObject({ limit: 10, remaining: 10 });
  });

  test('over the limit: 429 with Retry-After and RATE_LIMITED, and the mutation does nothing', async () => {
    const app = appWith({ perToken: { queries: 5, mutations: 2 } });
    const team = await createTeamWithOwner(t.db);

    for (let i = 0; i < 2; i++) {
      const response = await createSecret(app, team);
      expect(response.status).toBe(200);
      expect(response.body.data?.createSecret?.__typename).toBe('CreateSecretSuccess');
    }
    const name = `over-the-limit-${randomUUID()}`;
    const refused = await createSecret(app, team, team.ownerToken, name);
    const retryAfter = expectRateLimited(refused, /at most 2 mutations per 60 s for this API token/);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(rateHeaders(refused.headers).limit).toBe(2);
    expect(await secretsNamed(name)).toBe(0);
  });

  test('mutations are stricter than queries, and counted apart from them', async () => {
    const app = appWith({ perToken: { queries: 5, mutations: 1 } });
    const team = await createTeamWithOwner(t.db);

    expect((await createSecret(app, team)).status).toBe(200);
    expectRateLimited(await createSecret(app, team), /mutations/);
    // The token's queries have their own, larger budget.
    const read = await query(app, team);
    expect(read.status).toBe(200);
    expect(read.body.data?.node?.__typename).toBe('Team');
    expect(rateHeaders(read.headers)).toMatchObject({ limit: 5, remaining: 4 });
  });

  test('per token: another user’s token still works when one token is over its limit', async () => {
    const app = appWith({ perToken: { queries: 2, mutations: 2 } });
    const team = await createTeamWithOwner(t.db);
    const other = await createTeamWithOwner(t.db);

    await query(app, team);
    await query(app, team);
    expectRateLimited(await query(app, team), /this API token/);

    const response = await query(app, other);
    expect(response.status).toBe(200);
    expect(response.body.data?.node?.__typename).toBe('Team');
    expect(rateHeaders(response.headers)).toMatchObject({ limit: 2, remaining: 1 });
  });

  test('per user: minting another token does not give a user more', async () => {
    const app = appWith({ perToken: { queries: 100, mutations: 2 }, perUser: { mutations: 3 } });
    const team = await createTeamWithOwner(t.db);
    const second = await issueToken(t.db, fromGlobalId(team.ownerId, 'User'), 'second');

    expect((await createSecret(app, team)).status).toBe(200);
    expect((await createSecret(app, team)).status).toBe(200);
    expectRateLimited(await createSecret(app, team), /this API token/);
    const viaSecond = await createSecret(app, team, second.token);
    expect(viaSecond.status).toBe(200);
    expect(rateHeaders(viaSecond.headers)).toMatchObject({ limit: 3, remaining: 0 });
    expectRateLimited(await createSecret(app, team, second.token), /your user/);
  });

  test('per team: the members of a team share its budget; other teams are not affected', async () => {
    const app = appWith({ perToken: { queries: 100, mutations: 100 }, perTeam: { queries: 100, mutations: 3 } });
    const team = await createTeamWithOwner(t.db);
    const admin = await addMember(t.db, team, 'ADMIN');
    const other = await createTeamWithOwner(t.db);

    expect((await createSecret(app, team)).status).toBe(200);
    expect((await createSecret(app, team, admin.token)).status).toBe(200);
    const third = await createSecret(app, team);
    expect(third.status).toBe(200);
    expect(rateHeaders(third.headers)).toMatchObject({ limit: 3, remaining: 0 });
    const name = `team-over-${randomUUID()}`;
    expectRateLimited(await createSecret(app, team, admin.token, name), /your team/);
    expect(await secretsNamed(name)).toBe(0);

    expect((await createSecret(app, other)).status).toBe(200);
  });

  test('each root mutation field is charged: aliased mutations cannot share one unit of budget', async () => {
    const { app, team, secretId } = await appWithSecret({ perToken: { queries: 100, mutations: 6 } });

    const four = await rotate(app, secretId, 4, team.ownerToken);
    expect(four.status).toBe(200);
    expect(Object.values(four.body.data ?? {}).map((r) => r.__typename)).toEqual(Array(4).fill('RotateSecretSuccess'));
    expect(rateHeaders(four.headers)).toMatchObject({ limit: 6, remaining: 1 });
    expect(await secretVersion(secretId)).toBe(5);

    // Two more do not fit in the one unit left: refused whole, nothing rotated, nothing spent.
    expectRateLimited(
      await rotate(app, secretId, 2, team.ownerToken),
      /at most 6 mutations per 60 s for this API token \(this operation costs 2\)/,
    );
    expect(await secretVersion(secretId)).toBe(5);
    const one = await rotate(app, secretId, 1, team.ownerToken);
    expect(one.status).toBe(200);
    expect(rateHeaders(one.headers)).toMatchObject({ limit: 6, remaining: 0 });
    expect(await secretVersion(secretId)).toBe(6);
  });

  test('more than 10 root mutation fields in one operation: TOO_MANY_MUTATIONS, nothing runs, nothing spent', async () => {
    const { app, team, secretId } = await appWithSecret({ perToken: { queries: 100, mutations: 100 } });

    const ten = await rotate(app, secretId, 10, team.ownerToken);
    expect(ten.status).toBe(200);
    expect(rateHeaders(ten.headers)).toMatchObject({ limit: 100, remaining: 89 });
    expect(await secretVersion(secretId)).toBe(11);

    const eleven = await rotate(app, secretId, 11, team.ownerToken);
    expect(eleven.status).toBe(400);
    expect(eleven.body.data ?? undefined).toBeUndefined();
    expect(eleven.body.errors).toHaveLength(1);
    expect(eleven.body.errors![0]).toMatchObject({
      message: expect.stringMatching(/11 root mutation fields, at most 10/),
      extensions: { code: 'TOO_MANY_MUTATIONS' },
    });
    expect(await secretVersion(secretId)).toBe(11);
    const next = await createSecret(app, team);
    expect(rateHeaders(next.headers)).toMatchObject({ remaining: 88 });
  });

  test('per team: an operation spends only the budget of the team it acts on, not every team of its caller', async () => {
    const app = appWith({ perToken: { queries: 100, mutations: 100 }, perTeam: { queries: 100, mutations: 2 } });
    const home = await createTeamWithOwner(t.db);
    const other = await createTeamWithOwner(t.db);
    // The owner of `other` is also an ADMIN of `home` (added by the operator).
    await issueMemberToken(t.db, { teamId: fromGlobalId(home.teamId, 'Team'), email: other.ownerEmail, role: 'ADMIN', tokenName: 'x' });

    // Work on `other` (by its team id, then by a secret's id) spends `other`'s budget only.
    const secretId = secretIdOf(await createSecret(app, other));
    expect((await rotate(app, secretId, 1, other.ownerToken)).status).toBe(200);
    expectRateLimited(await rotate(app, secretId, 1, other.ownerToken), /your team/);
    expectRateLimited(await createSecret(app, other), /your team/);
    // `home`, which the same user belongs to, is untouched: its members still have their two.
    const inHome = await createSecret(app, home, other.ownerToken);
    expect(inHome.status).toBe(200);
    expect(rateHeaders(inHome.headers)).toMatchObject({ limit: 2, remaining: 1 });
    expect((await createSecret(app, home)).status).toBe(200);
    expectRateLimited(await createSecret(app, home), /your team/);

    // Naming another team's id spends nothing of it: only members' operations on a team count.
    const stranger = await createTeamWithOwner(t.db);
    const foreign = await createSecret(app, home, stranger.ownerToken);
    expect(foreign.status).toBe(200);
    expect(foreign.body.data?.createSecret?.__typename).toBe('NotFoundError');
    // And an operation that names no team (the viewer) spends no team's budget.
    const viewer = await send(app, parse('{ viewer { id } }'), {}, { token: other.ownerToken });
    expect(viewer.status).toBe(200);
    expect(rateHeaders(viewer.headers)).toMatchObject({ limit: 100, remaining: 99 });
  });

  test('finding the team a mutation acts on changes none of its answer (no row cached before it ran)', async () => {
    const { app, team, secretId } = await appWithSecret({
      perToken: { queries: 100, mutations: 100 },
      perTeam: { queries: 100, mutations: 10 },
    });
    const linked = await send(
      app,
      parse(
        `mutation Link($input: CreateLocationInput!) { createLocation(input: $input) { __typename ... on CreateLocationSuccess { location { secret { id locationCount } } } } }`,
      ),
      { input: { teamId: team.teamId, name: `loc-${randomUUID()}`, locationType: 'S3', secretId, bucketName: 'bucket' } },
      { token: team.ownerToken },
    );
    expect(linked.body).toEqual({
      data: { createLocation: { __typename: 'CreateLocationSuccess', location: { secret: { id: secretId, locationCount: 1 } } } },
    });
    // It was charged to the team (its id and the secret's both name it: one field, one point).
    expect(rateHeaders(linked.headers)).toMatchObject({ limit: 10, remaining: 8 });
  });

  test('requests without a valid token are limited per client IP, before authentication', async () => {
    const app = appWith({ unauthenticatedPerIp: 2 });
    const team = await createTeamWithOwner(t.db);
    const attacker = '198.51.100.7';

    const remaining = [];
    for (let i = 0; i < 2; i++) {
      const guess = await query(app, team, `cr_${randomUUID()}`, attacker);
      expect(guess.status).toBe(401);
      remaining.push(rateHeaders(guess.headers).remaining);
    }
    expect(remaining).toEqual([1, 0]);
    // Spent: refused before the token is even looked up, so a right guess looks like a wrong one.
    expectRateLimited(await query(app, team, `cr_${randomUUID()}`, attacker), /without a valid token/);
    expectRateLimited(await query(app, team, team.ownerToken, attacker), /without a valid token/);

    // Another address, and authenticated requests, are not affected.
    const elsewhere = await query(app, team, team.ownerToken, '198.51.100.8');
    expect(elsewhere.status).toBe(200);
    expect(rateHeaders(elsewhere.headers).limit).toBe(300);
  });

  test('documents that fail to parse or validate spend the IP budget when sent without a valid token, not with one', async () => {
    const app = appWith({ unauthenticatedPerIp: 3 });
    const team = await createTeamWithOwner(t.db);
    const prober = '198.51.100.21';
    /** Raw text a typed client cannot send: a syntax error, an unknown field, graphql-armor's alias limit. */
    const raw = async (body: string, token: string | undefined, ip: string) => {
      const serverContext = { req: { socket: { remoteAddress: ip } } } as unknown as Parameters<App['fetch']>[2];
      const response = await app.fetch(
        'http://cloakroom.test/graphql',
        { method: 'POST', headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body },
        serverContext,
      );
      return { status: response.status, headers: response.headers, body: (await response.json()) as ExecutionResult };
    };
    const probes = [
      JSON.stringify({ query: '{ viewer { id ' }),
      JSON.stringify({ query: '{ viewer { secretKeys } }' }),
      JSON.stringify({ query: `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }` }),
    ];
    // With a valid token the same mistakes are the caller's own business: the IP budget is untouched.
    for (const probe of probes) expect((await raw(probe, team.ownerToken, prober)).body.errors?.length).toBeGreaterThan(0);
    expect((await query(app, team, team.ownerToken, prober)).status).toBe(200);

    const remaining = [];
    for (const probe of probes) {
      const answer = await raw(probe, undefined, prober);
      expect(answer.body.errors?.length).toBeGreaterThan(0);
      remaining.push(rateHeaders(answer.headers).remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    // Spent, as if they had been three wrong tokens: even a valid token from that address waits.
    expectRateLimited(await query(app, team, team.ownerToken, prober), /without a valid token/);
    expect((await query(app, team, team.ownerToken, '198.51.100.22')).status).toBe(200);
  });

  test('the window resets', async () => {
    const app = appWith({ windowSeconds: 1, perToken: { queries: 10, mutations: 1 } });
    const team = await createTeamWithOwner(t.db);

    expect((await createSecret(app, team)).status).toBe(200);
    const retryAfter = expectRateLimited(await createSecret(app, team), /per 1 s/);
    expect(retryAfter).toBe(1);
    await sleep(retryAfter * 1000 + 50);
    const again = await createSecret(app, team);
    expect(again.status).toBe(200);
    expect(rateHeaders(again.headers)).toMatchObject({ limit: 1, remaining: 0 });
  });

  test('on by default with production limits; `rateLimit: false` turns it off', async () => {
    const team = await createTeamWithOwner(t.db);
    const byDefault = await query(createApp({ db: t.db, keyring: t.keyring, logger }), team);
    expect(rateHeaders(byDefault.headers)).toMatchObject({ limit: 300, remaining: 299, reset: 60 });
    const mutation = await createSecret(createApp({ db: t.db, keyring: t.keyring, logger }), team);
    expect(rateHeaders(mutation.headers)).toMatchObject({ limit: 60, remaining: 59 });

    const off = await query(appWith(false), team);
    expect(off.status).toBe(200);
    expect(off.headers.get('x-ratelimit-limit')).toBeNull();
  });

  test('Redis unreachable: requests are still answered (never a 500) and limited in this process', async () => {
    const redis = createRateLimitRedis('redis://127.0.0.1:1', logger);
    try {
      const app = appWith({ store: redis, keyPrefix: `cloakroom-test:${randomUUID()}`, perToken: { queries: 2, mutations: 2 } });
      const team = await createTeamWithOwner(t.db);
      const first = await query(app, team);
      expect(first.status).toBe(200);
      expect(first.body.data?.node?.__typename).toBe('Team');
      expect(rateHeaders(first.headers)).toMatchObject({ limit: 2, remaining: 1 });
      expect((await query(app, team)).status).toBe(200);
      expectRateLimited(await query(app, team), /this API token/);
    } finally {
      redis.disconnect();
    }
  });
});

describe('behind a proxy (a real socket from 127.0.0.1)', () => {
  /** Serves `app` on a port of 127.0.0.1 for the duration of `use`. */
  async function overSocket<T>(app: App, use: (url: string) => Promise<T>): Promise<T> {
    // Yoga answers its own failures (a 500): its promise is not awaited.
    const server = createServer((req, res) => void app(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }
  const post = (url: string, body: object, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const guess = (url: string, forwardedFor: string) =>
    post(url, { query: '{ viewer { id } }' }, { authorization: `Bearer cr_${randomUUID()}`, 'x-forwarded-for': forwardedFor });

  test('a trusted proxy’s X-Forwarded-For names the client: each client has its own budget and its own audit address', async () => {
    const app = createApp({ db: t.db, keyring: t.keyring, logger, rateLimit: { unauthenticatedPerIp: 1 }, trustedProxies: ['loopback'] });
    const team = await createTeamWithOwner(t.db);
    await overSocket(app, async (url) => {
      expect((await guess(url, '203.0.113.1')).status).toBe(401);
      // What the client wrote before its address is not believed: the proxy appended the real one.
      expect((await guess(url, '198.51.100.99, 203.0.113.2')).status).toBe(401);
      expect((await guess(url, '203.0.113.1')).status).toBe(429);
      expect((await guess(url, '198.51.100.99, 203.0.113.2')).status).toBe(429);

      const name = `proxied-${randomUUID()}`;
      const created = await post(
        url,
        {
          query: print(CreateSecret),
          variables: { input: { teamId: team.teamId, name, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } } },
        },
        { authorization: `Bearer ${team.ownerToken}`, 'x-forwarded-for': '203.0.113.3' },
      );
      expect(created.status).toBe(200);
      const { data } = (await created.json()) as { data: { createSecret: { secret: { id: string } } } };
      expect(await auditEventsOf(t.db, data.createSecret.secret.id, 'secret.created')).toMatchObject([{ client_ip: '203.0.113.3' }]);
    });
  });

  test('without trusted proxies the header is ignored: everyone behind 127.0.0.1 shares one budget', async () => {
    const app = createApp({ db: t.db, keyring: t.keyring, logger, rateLimit: { unauthenticatedPerIp: 1 } });
    await overSocket(app, async (url) => {
      expect((await guess(url, '203.0.113.1')).status).toBe(401);
      expect((await guess(url, '203.0.113.2')).status).toBe(429);
    });
  });
});

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = await (async () => {
  const probe = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
})();

// CI always has Redis (.ci/run starts it): there, an unreachable Redis fails these tests instead of skipping them.
describe.skipIf(!redisReachable && !process.env.CI)(`with Redis (${redisUrl})`, () => {
  /** This run's keys only, so that runs (and the PGlite and PostgreSQL passes) never share counters. */
  const keyPrefix = `cloakroom-test:${randomUUID()}`;
  let redis: Redis;

  beforeAll(async () => {
    redis = createRateLimitRedis(redisUrl, logger);
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  });
  afterAll(async () => {
    if (!redis) return;
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  const shared = (options: RateLimitOptions): RateLimitOptions => ({ store: redis, keyPrefix, ...options });

  test('two instances of the server share the counters', async () => {
    const first = appWith(shared({ perToken: { queries: 10, mutations: 3 } }));
    const second = appWith(shared({ perToken: { queries: 10, mutations: 3 } }));
    const team = await createTeamWithOwner(t.db);

    expect(rateHeaders((await createSecret(first, team)).headers).remaining).toBe(2);
    expect(rateHeaders((await createSecret(second, team)).headers).remaining).toBe(1);
    expect(rateHeaders((await createSecret(first, team)).headers).remaining).toBe(0);
    const name = `shared-over-${randomUUID()}`;
    expectRateLimited(await createSecret(second, team, team.ownerToken, name), /this API token/);
    expect(await secretsNamed(name)).toBe(0);

    // The counters are in Redis under this run's prefix.
    expect((await redis.keys(`${keyPrefix}:*`)).length).toBeGreaterThan(0);
  });

  test('the window resets', async () => {
    const first = appWith(shared({ windowSeconds: 1, perToken: { queries: 10, mutations: 1 } }));
    const second = appWith(shared({ windowSeconds: 1, perToken: { queries: 10, mutations: 1 } }));
    const team = await createTeamWithOwner(t.db);

    expect((await createSecret(first, team)).status).toBe(200);
    const retryAfter = expectRateLimited(await createSecret(second, team), /per 1 s/);
    await sleep(retryAfter * 1000 + 50);
    expect((await createSecret(second, team)).status).toBe(200);
  });
});
