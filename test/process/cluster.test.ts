/**
 * Three instances of the real server behind nginx (deploy/nginx.conf as committed, ports and paths
 * swapped in) on one PostgreSQL and one Redis: what must hold when requests of one team land on
 * different processes. The PostgreSQL is a private cluster (initdb in a temp dir) so that three
 * pools and a rolling restart never crowd the server other test files share; Redis is the
 * machine's, shared safely because every counter is keyed by this run's fresh token ids and event
 * wake-ups go on a channel prefix of this run's own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { print, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TOKEN_CACHE_TTL_MS } from '../../src/modules/auth/auth.service.ts';
import { runCli } from '../helpers/cli-process.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import {
  CreateApiToken,
  CreateLocation,
  CreateSecret,
  DeleteSecret,
  NodeById,
  RevokeApiToken,
  RotateSecret,
  TeamEventCursors,
  UpdateSecret,
  UpdateTeam,
  Viewer,
} from '../helpers/documents.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';
import { nginxMissing, startNginx, type Nginx } from '../helpers/nginx.ts';
import { freePort, queryAt, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { killServers, spawnServer, type ServerProcess } from '../helpers/server-process.ts';
import { expectContiguous, subscribeSse } from '../helpers/sse.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The machine's Redis (.ci/run starts it), as test/api/rate-limit.test.ts finds it. */
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const skipReason = !testDatabaseUrl ? 'PostgreSQL pass only (TEST_DATABASE_URL unset)' : nginxMissing();
if (skipReason) console.info(`cluster.test.ts skipped: ${skipReason}`);

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A request's fate: an HTTP answer, or a failure before any answer (refused, reset…). */
type Outcome = { kind: 'response'; status: number; body: Body } | { kind: 'connection'; code: string };

async function post(url: string, document: DocumentNode, variables: unknown, token: string): Promise<Outcome> {
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(document), variables }),
    });
    const text = await response.text();
    try {
      return { kind: 'response', status: response.status, body: JSON.parse(text) as Body };
    } catch {
      return { kind: 'response', status: response.status, body: { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] } };
    }
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'connection', code: cause?.code ?? cause?.message ?? String(error) };
  }
}

/** The root field's payload of a 200 without top-level errors; throws with what came instead. */
function payload<T = Record<string, unknown>>(outcome: Outcome): T & { __typename: string; code?: string } {
  if (outcome.kind !== 'response' || outcome.status !== 200 || outcome.body.errors)
    throw new Error(`not a clean 200: ${JSON.stringify(outcome)}`);
  return Object.values(outcome.body.data ?? {})[0] as T & { __typename: string; code?: string };
}

const masterKey = randomBytes(32).toString('base64');
const channelPrefix = `cloakroom-test-${randomUUID()}:`;
/** The instances' CLOAKROOM_SSE_HEARTBEAT_MS: short, so that nginx read timeouts around it take seconds to test. */
const HEARTBEAT_MS = 1000;
let postgres: PrivatePostgres;
let nginx: Nginx;
let team: { teamId: string; userId: string; token: string };

/** One instance: a fixed port (nginx's upstream list names it) and whichever process serves it now. */
interface Instance {
  port: number;
  url: string;
  process: ServerProcess;
}
const instances: Instance[] = [];

function spawnInstance(port: number, env: Record<string, string>): ServerProcess {
  return spawnServer({
    DATABASE_URL: postgres.url,
    CLOAKROOM_MASTER_KEY: masterKey,
    REDIS_URL: redisUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    // nginx forwards the client's address; every client here is 127.0.0.1 anyway.
    CLOAKROOM_TRUSTED_PROXIES: 'loopback',
    // 401s on purpose (revoked tokens) must not lock the shared loopback address out.
    CLOAKROOM_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '0',
    CLOAKROOM_RATE_LIMIT_QUERIES_PER_MINUTE: '0',
    CLOAKROOM_RATE_LIMIT_MUTATIONS_PER_MINUTE: '0',
    CLOAKROOM_RATE_LIMIT_TEAM_QUERIES_PER_MINUTE: '0',
    CLOAKROOM_RATE_LIMIT_TEAM_MUTATIONS_PER_MINUTE: '0',
    // Every instance sweeps, often, so that they sweep at the same time.
    CLOAKROOM_PURGE_INTERVAL_MS: '200',
    CLOAKROOM_REDIS_CHANNEL_PREFIX: channelPrefix,
    // A minute: every live event below reaches its stream as a Redis wake-up from the instance that wrote it.
    CLOAKROOM_EVENTS_POLL_MS: '60000',
    CLOAKROOM_SSE_HEARTBEAT_MS: String(HEARTBEAT_MS),
    ...env,
  });
}

/** SIGTERM, wait for the exit (which must be clean), start anew on the same port, wait until it listens. */
async function restart(instance: Instance, env: Record<string, string> = {}): Promise<void> {
  const exit = await instance.process.stop();
  expect(exit, instance.process.stderr.join('\n')).toEqual({ code: 0, signal: null });
  instance.process = spawnInstance(instance.port, env);
  await instance.process.listening();
}

async function createSecret(url = nginx.url): Promise<{ id: string; version: number }> {
  const input = { teamId: team.teamId, name: `c-${randomUUID()}`, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } };
  const result = payload<{ secret: { id: string; version: number } }>(await post(url, CreateSecret, { input }, team.token));
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
  return result.secret;
}

function query<T>(sqlText: string, values: unknown[] = []): Promise<T[]> {
  return queryAt<T>(postgres.url, sqlText, values);
}

/** A team rename (through nginx by default): one `team.updated` event, written by whichever instance serves it. */
async function rename(name: string, url = nginx.url): Promise<void> {
  const result = payload(await post(url, UpdateTeam, { input: { id: team.teamId, name } }, team.token));
  if (result.__typename !== 'UpdateTeamSuccess') throw new Error(JSON.stringify(result));
}

async function lastSeq(): Promise<number> {
  const [row] = await query<{ last: number }>('select coalesce(max(seq), 0)::int as last from team_events where team_id = $1', [
    rawId(team.teamId),
  ]);
  return row!.last;
}

/** How many requests running `operationName` each instance has logged (its access log: one line per request). */
function served(operationName: string): number[] {
  return instances.map((instance) => instance.process.stdout.filter((line) => line.includes(`"operationName":"${operationName}"`)).length);
}

const subscribeThrough = (baseUrl: string) => subscribeSse(`${baseUrl}/graphql`, TeamEventCursors, { teamId: team.teamId }, team.token);

describe.skipIf(skipReason)('three instances behind nginx on one PostgreSQL and Redis', () => {
  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    const boot = await runCli(
      ['bootstrap', '--team', `Cluster ${randomUUID().slice(0, 8)}`, '--email', `cluster-${randomUUID()}@example.test`],
      { DATABASE_URL: postgres.url },
      30_000,
    );
    if (boot.code !== 0) throw new Error(`bootstrap failed (${boot.code}): ${boot.stderr}`);
    team = JSON.parse(boot.stdout) as typeof team;
    const ports = [await freePort(), await freePort(), await freePort()];
    for (const port of ports) instances.push({ port, url: `http://127.0.0.1:${port}`, process: spawnInstance(port, {}) });
    // One at a time: three processes migrating (a no-op after the CLI) and compiling at once crowd two cores.
    for (const instance of instances) await instance.process.listening();
    nginx = await startNginx(ports);
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    await killServers();
    await postgres?.destroy();
  });

  test('compare-and-set: 20 racers spread over the instances, one expectedVersion → exactly one winner, one audit event', async () => {
    const secret = await createSecret();
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        payload(
          await post(
            instances[i % 3]!.url,
            UpdateSecret,
            { input: { id: secret.id, description: `racer ${i}`, expectedVersion: secret.version } },
            team.token,
          ),
        ),
      ),
    );
    const winners = results.filter((result) => result.__typename === 'UpdateSecretSuccess');
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((result) => result.__typename !== 'UpdateSecretSuccess'))
      expect(loser).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });
    const audits = await query<{ target_version: number }>(
      "select target_version from audit_events where target_id = $1 and action = 'secret.updated'",
      [rawId(secret.id)],
    );
    expect(audits).toEqual([{ target_version: secret.version + 1 }]);
  });

  test('50 concurrent rotations through nginx: version +50, every version once, 50 audit events', async () => {
    const secret = await createSecret();
    const results = await Promise.all(
      Array.from({ length: 50 }, async () =>
        payload<{ secret: { version: number } }>(
          await post(nginx.url, RotateSecret, { input: { id: secret.id, credentials: { accessKey: fixtures.accessKey() } } }, team.token),
        ),
      ),
    );
    const expected = Array.from({ length: 50 }, (_, i) => secret.version + 1 + i);
    expect(results.map((result) => result.secret.version).toSorted((a, b) => a - b)).toEqual(expected);
    const [row] = await query<{ version: number }>('select version from secrets where id = $1', [rawId(secret.id)]);
    expect(row!.version).toBe(secret.version + 50);
    const audits = await query<{ target_version: number }>(
      "select target_version from audit_events where target_id = $1 and action = 'secret.rotated' order by target_version",
      [rawId(secret.id)],
    );
    expect(audits.map((audit) => audit.target_version)).toEqual(expected);
  });

  test('a type change racing new locations on other instances never leaves a mismatched pair', async () => {
    const stats = { typeChangeWon: 0, linksWon: 0 };
    for (let round = 0; round < 12; round++) {
      const target = await createSecret();
      // The type change on one instance, a location on each of the other two, fired together.
      const changeType = post(
        instances[round % 3]!.url,
        UpdateSecret,
        { input: { id: target.id, secretType: 'R2', authMethod: 'R2_ACCESS_KEY', credentials: { accessKey: fixtures.accessKey() } } },
        team.token,
      );
      const links = [1, 2].map((offset) =>
        post(
          instances[(round + offset) % 3]!.url,
          CreateLocation,
          { input: { teamId: team.teamId, name: `l-${randomUUID()}`, locationType: 'S3', secretId: target.id, bucketName: 'bucket' } },
          team.token,
        ),
      );
      const [changed, ...linked] = (await Promise.all([changeType, ...links])).map((outcome) => payload(outcome));
      for (const link of linked)
        if (link.__typename !== 'CreateLocationSuccess')
          expect(link).toMatchObject({ __typename: 'ValidationError', code: 'LOCATION_TYPE_MISMATCH' });
      if (changed!.__typename !== 'UpdateSecretSuccess')
        expect(changed).toMatchObject({ __typename: 'ValidationError', code: 'LOCATION_TYPE_MISMATCH' });
      const typeChanged = changed!.__typename === 'UpdateSecretSuccess';
      expect(typeChanged).toBe(linked.every((link) => link.__typename !== 'CreateLocationSuccess'));
      if (typeChanged) stats.typeChangeWon++;
      else stats.linksWon++;
    }
    console.info('type change vs link across instances:', JSON.stringify(stats));
    const [mismatched] = await query<{ count: number }>(
      'select count(*)::int as count from locations l join secrets s on s.id = l.secret_id where l.location_type <> s.secret_type',
    );
    expect(mismatched!.count).toBe(0);
  }, 60_000);

  test('three instances sweeping at once purge each due secret once, with one secret.purged event each', async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, () => createSecret()));
    for (const { id } of ids)
      expect(payload(await post(nginx.url, DeleteSecret, { input: { id } }, team.token)).__typename).toBe('DeleteSecretSuccess');
    const raw = ids.map(({ id }) => rawId(id));
    // The API schedules purges days ahead: the window is ended for all of them at once, in SQL.
    await query(
      "update secrets set deleted_at = now() - interval '8 days', purge_at = now() - interval '1 second' where id = any($1::uuid[])",
      [raw],
    );
    const deadline = Date.now() + 15_000;
    while ((await query('select id from secrets where id = any($1::uuid[])', [raw])).length > 0) {
      if (Date.now() > deadline) throw new Error('the due secrets were not all purged within 15 s');
      await sleep(100);
    }
    const events = await query<{ target_id: string }>(
      "select target_id from audit_events where action = 'secret.purged' and target_id = any($1::uuid[])",
      [raw],
    );
    expect(events.map((event) => event.target_id).toSorted()).toEqual(raw.toSorted());
    const purgedBy = instances.map((instance) =>
      instance.process.stdout
        .filter((line) => line.includes('secrets past their recovery window purged'))
        .reduce((sum, line) => sum + (JSON.parse(line) as { purged: number }).purged, 0),
    );
    console.info('secrets purged per instance:', purgedBy.join(', '));
    expect(purgedBy.reduce((sum, count) => sum + count, 0)).toBe(30);
    for (const instance of instances)
      expect(instance.process.stdout.join('\n')).not.toContain('purge of secrets past their recovery window failed');
  }, 60_000);

  test(`a token revoked through one instance is refused by every instance within the token cache's ${TOKEN_CACHE_TTL_MS} ms`, async () => {
    const created = payload<{ token: string; apiToken: { id: string } }>(
      await post(instances[0]!.url, CreateApiToken, { input: { name: `revoked-${randomUUID()}` } }, team.token),
    );
    // Each instance has looked the token up, so each holds it in its cache.
    for (const instance of instances) expect(payload(await post(instance.url, Viewer, {}, created.token))).toBeTruthy();
    const revoked = payload(await post(instances[0]!.url, RevokeApiToken, { input: { id: created.apiToken.id } }, team.token));
    expect(revoked.__typename).toBe('RevokeApiTokenSuccess');
    const revokedAt = Date.now();

    const refusedAfter = await Promise.all(
      instances.map(async (instance) => {
        for (;;) {
          const outcome = await post(instance.url, Viewer, {}, created.token);
          if (outcome.kind === 'response' && outcome.status === 401) return Date.now() - revokedAt;
          if (Date.now() - revokedAt > TOKEN_CACHE_TTL_MS + 3000) return Number.POSITIVE_INFINITY;
          await sleep(50);
        }
      }),
    );
    console.info('revoked token refused after (ms), per instance:', refusedAfter.join(', '));
    // The instance that revoked it forgets it at once; the others within the cache's lifetime
    // (plus one polling step and a loaded machine's scheduling).
    expect(refusedAfter[0]).toBeLessThan(500);
    for (const after of refusedAfter) expect(after).toBeLessThanOrEqual(TOKEN_CACHE_TTL_MS + 500);
    // And through nginx, whichever instance answers.
    for (let i = 0; i < 6; i++) expect(await post(nginx.url, Viewer, {}, created.token)).toMatchObject({ status: 401 });
  });

  test('a subscriber through nginx on one instance receives, in order, every event of 60 mutations nginx sent round-robin to the other two', async () => {
    const [holder, ...others] = instances;
    // Two more renderings of deploy/nginx.conf: one in front of the stream's instance alone, one
    // in front of the other two, so that no mutation is served where the stream is.
    const toHolder = await startNginx([holder!.port]);
    const toOthers = await startNginx(others.map((instance) => instance.port));
    const [streamsBefore, renamesBefore] = [served('TeamEventCursors'), served('UpdateTeam')];
    const stream = await subscribeThrough(toHolder.url);
    try {
      expect(stream.status).toBe(200);
      const first = (await lastSeq()) + 1;
      let next = 0;
      // Three at a time: transactions on two instances commit in any order.
      await Promise.all(
        Array.from({ length: 3 }, async () => {
          while (next < 60) await rename(`Cluster events ${next++}`, toOthers.url);
        }),
      );
      await stream.waitFor(60, 30_000);
      expectContiguous(stream, first, 60);
    } finally {
      stream.close();
      await toHolder.stop();
      await toOthers.stop();
    }
    // Who served what, from the instances' access logs (read as their pipes deliver them).
    const since = (now: number[], before: number[]) => now.map((count, i) => count - before[i]!);
    const deadline = Date.now() + 5000;
    while (since(served('UpdateTeam'), renamesBefore).reduce((sum, count) => sum + count, 0) < 60 && Date.now() < deadline) await sleep(50);
    const renamed = since(served('UpdateTeam'), renamesBefore);
    console.info(`renames served per instance (the stream on the first): ${renamed.join(', ')}`);
    expect(since(served('TeamEventCursors'), streamsBefore)).toEqual([1, 0, 0]);
    expect(renamed[0]).toBe(0);
    expect(renamed[1]! + renamed[2]!).toBe(60);
    expect(Math.min(renamed[1]!, renamed[2]!)).toBeGreaterThanOrEqual(10);
  }, 60_000);

  test('nginx does not buffer the stream: each event arrives through it within 2 s of its mutation, the stream staying open', async () => {
    // This guards the behaviour, not the directive alone: nginx 1.22 here passed events on at once
    // even with `proxy_buffering on` (to a client that reads promptly); anything that holds the
    // stream back (buffering, a lost wake-up between instances) fails it.
    const stream = await subscribeThrough(nginx.url);
    let ended = false;
    void stream.ended.then(() => (ended = true));
    const latencies: number[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        // A quiet moment (heartbeats only) before each mutation: an event alone, a few hundred bytes, far below a buffer.
        await sleep(300);
        const sent = Date.now();
        await rename(`Unbuffered ${i}`);
        await stream.waitFor(i + 1, 10_000);
        latencies.push(Date.now() - sent);
      }
      expect(ended).toBe(false);
    } finally {
      // Open streams would keep nginx's graceful stop (afterAll) waiting.
      stream.close();
    }
    console.info(`mutation → event through nginx (ms): ${latencies.join(', ')}`);
    for (const latency of latencies) expect(latency).toBeLessThan(2000);
  }, 30_000);

  test(`heartbeats (every ${HEARTBEAT_MS} ms) keep a quiet stream through nginx open past its proxy_read_timeout; a timeout below them cuts it`, async () => {
    const ports = instances.map((instance) => instance.port);
    // deploy/nginx.conf as committed, but for its read timeout: 3 s (above the heartbeat), 700 ms (below it).
    const patient = await startNginx(ports, { proxyReadTimeout: '3s' });
    const hasty = await startNginx(ports, { proxyReadTimeout: '700ms' });
    const quiet = await subscribeThrough(patient.url);
    const cut = await subscribeThrough(hasty.url);
    try {
      expect([quiet.status, cut.status]).toEqual([200, 200]);
      let quietEnded = false;
      void quiet.ended.then(() => (quietEnded = true));
      const opened = Date.now();
      // The control: nginx ends the stream whose instance stays silent longer than the read timeout.
      await Promise.race([cut.ended, sleep(5000)]);
      expect(Date.now() - opened).toBeLessThan(5000);
      // Seven seconds with nothing but heartbeats: more than twice the read timeout.
      await sleep(7000 - (Date.now() - opened));
      expect(quietEnded).toBe(false);
      expect(quiet.heartbeats()).toBeGreaterThanOrEqual(4);
      expect(quiet.results).toHaveLength(0);
      // And it still carries events.
      await rename('After a quiet while');
      await quiet.waitFor(1, 10_000);
    } finally {
      quiet.close();
      cut.close();
      await patient.stop();
      await hasty.stop();
    }
  }, 30_000);

  test('rolling restart under a mixed load through nginx: zero failed requests, every acknowledged write there with one audit event', async () => {
    const seeds = await Promise.all([createSecret(), createSecret(), createSecret()]);
    type Op = 'read' | 'rotate' | 'create';
    const ops: Op[] = ['read', 'read', 'rotate', 'create'];
    const failures: string[] = [];
    const acks: { op: Op; id: string; version: number }[] = [];
    let requests = 0;
    let loading = true;
    const worker = async () => {
      while (loading) {
        const op = ops[Math.floor(Math.random() * ops.length)]!;
        const seed = seeds[Math.floor(Math.random() * seeds.length)]!;
        const outcome =
          op === 'read'
            ? await post(nginx.url, NodeById, { id: seed.id }, team.token)
            : op === 'rotate'
              ? await post(
                  nginx.url,
                  RotateSecret,
                  { input: { id: seed.id, credentials: { accessKey: fixtures.accessKey() } } },
                  team.token,
                )
              : await post(
                  nginx.url,
                  CreateSecret,
                  {
                    input: {
                      teamId: team.teamId,
                      name: `r-${randomUUID()}`,
                      secretType: 'S3',
                      credentials: { accessKey: fixtures.accessKey() },
                    },
                  },
                  team.token,
                );
        requests++;
        const result = outcome.kind === 'response' && outcome.status === 200 && !outcome.body.errors ? payload(outcome) : undefined;
        if (op === 'read' && result && (result as { __typename: string }).__typename === 'Secret') continue;
        const secret = (result as { secret?: { id: string; version: number } } | undefined)?.secret;
        if (op !== 'read' && result?.__typename.endsWith('Success') && secret) acks.push({ op, id: secret.id, version: secret.version });
        else failures.push(`${op}: ${JSON.stringify(outcome).slice(0, 300)}`);
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    await sleep(1500);
    for (const instance of instances) {
      await restart(instance);
      // Back in nginx's rotation (fail_timeout) and under load before the next one goes.
      await sleep(2500);
    }
    loading = false;
    await Promise.all(workers);
    console.info(`rolling restart: ${requests} requests, ${acks.length} acknowledged writes, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(100);

    const audits = await query<{ target_id: string; target_version: number; action: string }>(
      "select target_id, target_version, action from audit_events where target_type = 'Secret' and outcome = 'SUCCESS' and target_id = any($1::uuid[])",
      [[...new Set(acks.map((ack) => rawId(ack.id)))]],
    );
    const versions = new Map(
      (
        await query<{ id: string; version: number }>('select id, version from secrets where id = any($1::uuid[])', [
          acks.map((ack) => rawId(ack.id)),
        ])
      ).map((row) => [row.id, row.version]),
    );
    const action = { create: 'secret.created', rotate: 'secret.rotated', read: '' };
    for (const ack of acks) {
      const id = rawId(ack.id);
      expect(versions.get(id) ?? -1, `acknowledged ${ack.op} of ${id}`).toBeGreaterThanOrEqual(ack.version);
      const matching = audits.filter((row) => row.target_id === id && row.target_version === ack.version && row.action === action[ack.op]);
      expect(matching, `audit of ${ack.op} ${id} v${ack.version}`).toHaveLength(1);
    }
  }, 120_000);

  test("a token's budget of N mutations a minute is N across all instances, not 3N", async () => {
    const budget = 9;
    // Every instance restarted with the budget (a rolling restart of its own).
    for (const instance of instances) await restart(instance, { CLOAKROOM_RATE_LIMIT_MUTATIONS_PER_MINUTE: String(budget) });
    const created = payload<{ token: string }>(
      await post(instances[0]!.url, CreateApiToken, { input: { name: `budget-${randomUUID()}` } }, team.token),
    );
    const secret = await createSecret();
    const statuses: number[] = [];
    // Spread evenly over the instances, directly: 3N attempts, N on each.
    for (let i = 0; i < budget * 3; i++) {
      const outcome = await post(
        instances[i % 3]!.url,
        UpdateSecret,
        { input: { id: secret.id, description: `budget ${i}` } },
        created.token,
      );
      statuses.push(outcome.kind === 'response' ? outcome.status : 0);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(budget);
    expect(statuses.filter((status) => status === 429)).toHaveLength(budget * 2);
    // And the first N were the ones let through.
    expect(statuses.slice(0, budget)).toEqual(Array.from({ length: budget }, () => 200));
  }, 60_000);
});
