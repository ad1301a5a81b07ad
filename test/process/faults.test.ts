/**
 * Faults with the real server process: PostgreSQL going away and coming back under a load of
 * mutations, and SIGTERM under load. Both run on a private PostgreSQL cluster (initdb + pg_ctl
 * in a temp dir) that this file may stop, never on the server other test files share.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CreateSecret, RotateSecret, UpdateSecret } from '../helpers/documents.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { killServers, spawnServer, type ServerProcess } from '../helpers/server-process.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let postgres: PrivatePostgres;
let team: { teamId: string; userId: string; token: string };
const masterKey = randomBytes(32).toString('base64');

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  // The CLI migrates, then creates the team, its owner and a token: the same path an operator takes.
  const result = spawnSync(
    process.execPath,
    ['src/cli.ts', 'bootstrap', '--team', `Faults ${randomUUID().slice(0, 8)}`, '--email', `faults-${randomUUID()}@example.test`],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: postgres.url },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  if (result.status !== 0) throw new Error(`bootstrap failed (${result.status}): ${result.stderr}`);
  team = JSON.parse(result.stdout) as typeof team;
}, 60_000);

afterAll(async () => {
  await killServers();
  await postgres?.destroy();
});

function startServer(): ServerProcess {
  return spawnServer({
    DATABASE_URL: postgres.url,
    CLOAKROOM_MASTER_KEY: masterKey,
    LOG_LEVEL: 'info',
    // The load is the point: no rate limit may turn it away.
    CLOAKROOM_RATE_LIMIT_QUERIES_PER_MINUTE: '0',
    CLOAKROOM_RATE_LIMIT_MUTATIONS_PER_MINUTE: '0',
    CLOAKROOM_RATE_LIMIT_TEAM_QUERIES_PER_MINUTE: '0',
    CLOAKROOM_RATE_LIMIT_TEAM_MUTATIONS_PER_MINUTE: '0',
  });
}

type Op = 'create' | 'update' | 'rotate';
const actionOf: Record<Op, string> = { create: 'secret.created', update: 'secret.updated', rotate: 'secret.rotated' };

interface GraphQLBody {
  data?: Record<string, { __typename: string; code?: string; secret?: { id: string; version: number; name: string } }> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One request's fate: an HTTP answer, or a failure before any answer (refused, reset…). */
type Outcome =
  | { op: Op; at: number; doneAt: number; kind: 'response'; status: number; retryAfter: string | null; body: GraphQLBody }
  | { op: Op; at: number; doneAt: number; kind: 'connection'; code: string };

let nameCounter = 0;
function mutation(op: Op, secretIds: string[]): { document: string; variables: unknown } {
  if (op === 'create') {
    return {
      document: print(CreateSecret),
      variables: {
        input: {
          teamId: team.teamId,
          name: `fault-${Date.now()}-${nameCounter++}-${randomUUID().slice(0, 6)}`,
          secretType: 'S3',
          credentials: { accessKey: fixtures.accessKey() },
        },
      },
    };
  }
  const id = secretIds[Math.floor(Math.random() * secretIds.length)]!;
  if (op === 'update') return { document: print(UpdateSecret), variables: { input: { id, description: `d-${randomUUID()}` } } };
  return { document: print(RotateSecret), variables: { input: { id, credentials: { accessKey: fixtures.accessKey() } } } };
}

async function send(baseUrl: string, op: Op, secretIds: string[]): Promise<Outcome> {
  const { document, variables } = mutation(op, secretIds);
  const at = Date.now();
  try {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${team.token}` },
      body: JSON.stringify({ query: document, variables }),
    });
    const text = await response.text();
    let body: GraphQLBody;
    try {
      body = JSON.parse(text) as GraphQLBody;
    } catch {
      body = { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
    }
    return { op, at, doneAt: Date.now(), kind: 'response', status: response.status, retryAfter: response.headers.get('retry-after'), body };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { op, at, doneAt: Date.now(), kind: 'connection', code: cause?.code ?? cause?.message ?? String(error) };
  }
}

/** The mutation's payload when the client saw it acknowledged (a `…Success`), else undefined. */
function acknowledged(outcome: Outcome): { id: string; version: number } | undefined {
  if (outcome.kind !== 'response' || outcome.status !== 200) return undefined;
  const payload = Object.values(outcome.body.data ?? {})[0];
  return payload?.__typename.endsWith('Success') && payload.secret ? { id: payload.secret.id, version: payload.secret.version } : undefined;
}

/** A clean failure: a typed GraphQL error, never a masked 500, never a dropped connection. */
function describeFailure(outcome: Outcome): string {
  if (outcome.kind === 'connection') return `connection:${outcome.code}`;
  const payload = Object.values(outcome.body.data ?? {})[0];
  if (payload && payload.__typename.endsWith('Error')) return `${outcome.status} ${payload.__typename}/${payload.code}`;
  return `${outcome.status} ${outcome.body.errors?.map((error) => error.extensions?.code ?? error.message).join(',')}${outcome.retryAfter ? ` retry-after=${outcome.retryAfter}` : ''}`;
}

async function statusOf(url: string): Promise<number> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** The shape each kind of outcome takes, counted: what the assertion messages print. */
function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = acknowledged(outcome) ? `${outcome.op} ok` : `${outcome.op} ${describeFailure(outcome)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('faults on a private PostgreSQL cluster', () => {
  test('PostgreSQL stopped and restarted under a load of mutations: typed 503s, /readyz 503, recovery, no half-applied change', async () => {
    const server = startServer();
    const url = await server.listening();
    expect(await statusOf(`${url}/readyz`)).toBe(200);

    // A few secrets for the updates and rotations to fight over.
    const seeds: string[] = [];
    const seedOutcomes: Outcome[] = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await send(url, 'create', []);
      seedOutcomes.push(outcome);
      const ack = acknowledged(outcome);
      if (!ack) throw new Error(`seed createSecret failed: ${describeFailure(outcome)}`);
      seeds.push(ack.id);
    }

    const outcomes: Outcome[] = [];
    let loading = true;
    const ops: Op[] = ['create', 'create', 'update', 'rotate'];
    const workers = Array.from({ length: 4 }, async () => {
      while (loading) {
        const outcome = await send(url, ops[Math.floor(Math.random() * ops.length)]!, seeds);
        outcomes.push(outcome);
        // The server is gone (a failure the assertions report): do not spin on refused connections.
        if (outcome.kind === 'connection') await sleep(50);
      }
    });

    await sleep(1000);
    const stoppedAt = Date.now();
    // A crash, not a polite shutdown: open transactions die mid-flight and the restart replays the WAL.
    await postgres.stop('immediate');
    const readyDuringOutage: number[] = [];
    while (Date.now() - stoppedAt < 2000) {
      readyDuringOutage.push(await statusOf(`${url}/readyz`));
      await sleep(100);
    }
    await postgres.start();
    const restartedAt = Date.now();

    // Recovery by itself: /readyz and a real query both succeed again, with no help from outside.
    let recoveredAt: number | undefined;
    while (Date.now() - restartedAt < 10_000) {
      const ready = await statusOf(`${url}/readyz`);
      const probe = await send(url, 'create', seeds);
      if (ready === 200 && acknowledged(probe)) {
        recoveredAt = Date.now();
        break;
      }
      await sleep(100);
    }
    await sleep(1000);
    loading = false;
    await Promise.all(workers);
    const exit = await server.stop();

    const counts = tally(outcomes);
    console.info(
      'outage load:',
      JSON.stringify(counts),
      `recovered ${recoveredAt === undefined ? 'never' : `${recoveredAt - restartedAt} ms`} after restart`,
    );
    expect(exit, server.stderr.join('\n')).toEqual({ code: 0, signal: null });
    expect(readyDuringOutage.length).toBeGreaterThan(0);
    expect(new Set(readyDuringOutage), `readyz during outage: ${readyDuringOutage.join(',')}`).toEqual(new Set([503]));
    expect(recoveredAt, 'the server did not recover within 10 s').toBeDefined();
    expect(recoveredAt! - restartedAt).toBeLessThanOrEqual(5000);

    // Every request either succeeded or failed cleanly: a typed 503 SERVICE_UNAVAILABLE with Retry-After.
    const failures = outcomes.filter((outcome) => !acknowledged(outcome));
    for (const failure of failures) {
      expect(
        failure.kind === 'response' &&
          failure.status === 503 &&
          failure.retryAfter !== null &&
          failure.body.errors?.every((error) => error.extensions?.code === 'SERVICE_UNAVAILABLE'),
        describeFailure(failure),
      ).toBe(true);
    }
    // The outage was actually hit, and the load succeeded before and after it.
    expect(failures.length, JSON.stringify(counts)).toBeGreaterThan(0);
    expect(outcomes.some((outcome) => acknowledged(outcome) && outcome.at < stoppedAt)).toBe(true);
    expect(outcomes.some((outcome) => acknowledged(outcome) && outcome.at > restartedAt)).toBe(true);

    await withClient(async (client) => {
      const teamId = rawId(team.teamId);
      const secrets = (
        await client.query<{ id: string; version: number; payload_version: number | null }>(
          'select id, version, payload_version from secrets where team_id = $1',
          [teamId],
        )
      ).rows;
      const versions = (
        await client.query<{ secret_id: string; version: number; reason: string }>(
          'select v.secret_id, v.version, v.reason from secret_versions v join secrets s on s.id = v.secret_id where s.team_id = $1',
          [teamId],
        )
      ).rows;
      const audits = (
        await client.query<{ target_id: string; target_version: number; action: string }>(
          "select target_id, target_version, action from audit_events where team_id = $1 and target_type = 'Secret' and outcome = 'SUCCESS'",
          [teamId],
        )
      ).rows;
      const secretById = new Map(secrets.map((secret) => [secret.id, secret]));

      // No half-applied change: each secret's versions, payload and audit trail agree with its version.
      for (const secret of secrets) {
        const own = versions.filter((row) => row.secret_id === secret.id);
        expect(
          own.some((row) => row.version === 1 && row.reason === 'CREATE'),
          `secret ${secret.id} has no CREATE version`,
        ).toBe(true);
        expect(Math.max(...own.map((row) => row.version))).toBeLessThanOrEqual(secret.version);
        if (secret.payload_version !== null)
          expect(
            own.some((row) => row.version === secret.payload_version),
            `secret ${secret.id}: payload_version without its row`,
          ).toBe(true);
        // Every version from 1 to the current one was announced exactly once, by the change that made it.
        const trail = audits
          .filter((row) => row.target_id === secret.id)
          .map((row) => row.target_version)
          .sort((a, b) => a - b);
        expect(trail, `audit trail of secret ${secret.id}`).toEqual(Array.from({ length: secret.version }, (_, index) => index + 1));
      }
      // No audit row for a change that is not there.
      for (const audit of audits) {
        const secret = secretById.get(audit.target_id);
        expect(secret, `audit ${audit.action} for a missing secret ${audit.target_id}`).toBeDefined();
        expect(audit.target_version).toBeLessThanOrEqual(secret!.version);
        if (audit.action === 'secret.rotated')
          expect(
            versions.some((row) => row.secret_id === audit.target_id && row.version === audit.target_version && row.reason === 'ROTATE'),
          ).toBe(true);
      }
      // Every acknowledged change is there, with exactly one matching audit row.
      const acks = [...seedOutcomes, ...outcomes].flatMap((outcome) => {
        const ack = acknowledged(outcome);
        return ack ? [{ ...ack, op: outcome.op }] : [];
      });
      expect(acks.length).toBeGreaterThan(10);
      for (const ack of acks) {
        const id = rawId(ack.id);
        expect(secretById.get(id)?.version ?? -1, `acknowledged ${ack.op} of ${id}`).toBeGreaterThanOrEqual(ack.version);
        const matching = audits.filter(
          (row) => row.target_id === id && row.target_version === ack.version && row.action === actionOf[ack.op],
        );
        expect(matching, `audit of acknowledged ${ack.op} ${id} v${ack.version}`).toHaveLength(1);
      }
    });
  }, 40_000);

  test('SIGTERM under a load of createSecret: exit 0 and every acknowledged write is in the database', async () => {
    const server = startServer();
    const url = await server.listening();
    const outcomes: Outcome[] = [];
    let sigtermAt = Number.POSITIVE_INFINITY;
    const deadline = Date.now() + 20_000;
    // Each worker keeps firing until the server refuses connections: it has stopped listening.
    const workers = Array.from({ length: 8 }, async () => {
      while (Date.now() < deadline) {
        const outcome = await send(url, 'create', []);
        outcomes.push(outcome);
        if (outcome.kind === 'connection' && outcome.code === 'ECONNREFUSED' && outcome.at > sigtermAt) return;
      }
    });
    await sleep(1000);
    sigtermAt = Date.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    const exitedAt = Date.now();
    await Promise.all(workers);

    const counts = tally(outcomes);
    const inFlightAtSigterm = outcomes.filter((outcome) => outcome.at < sigtermAt && outcome.doneAt > sigtermAt).length;
    console.info(
      'sigterm load:',
      JSON.stringify(counts),
      `${inFlightAtSigterm} in flight at SIGTERM, exited ${exitedAt - sigtermAt} ms after it`,
    );
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.stdout.join('\n')).toContain('"msg":"stopped"');
    expect(outcomes.every((outcome) => outcome.at < deadline)).toBe(true);
    expect(outcomes.filter((outcome) => outcome.at < sigtermAt && acknowledged(outcome)).length).toBeGreaterThan(5);
    // SIGTERM landed in the middle of the load: requests in flight at that moment were still answered.
    expect(
      outcomes.filter((outcome) => outcome.at < sigtermAt && outcome.doneAt > sigtermAt && acknowledged(outcome)).length,
    ).toBeGreaterThan(0);

    // Not acknowledged: refused or reset before an answer, or a clean error (never a 500).
    for (const outcome of outcomes) {
      if (acknowledged(outcome)) continue;
      const clean =
        outcome.kind === 'connection' ||
        (outcome.status < 500 && Boolean(outcome.body.errors?.length || Object.values(outcome.body.data ?? {})[0]?.code)) ||
        (outcome.status === 503 && outcome.body.errors?.every((error) => error.extensions?.code === 'SERVICE_UNAVAILABLE'));
      expect(clean, describeFailure(outcome)).toBe(true);
    }

    const acked = outcomes.flatMap((outcome) => {
      const ack = acknowledged(outcome);
      return ack ? [rawId(ack.id)] : [];
    });
    await withClient(async (client) => {
      const found = (await client.query<{ id: string }>('select id from secrets where id = any($1::uuid[])', [acked])).rows.map(
        (row) => row.id,
      );
      expect(new Set(found).size).toBe(new Set(acked).size);
      expect(acked.filter((id) => !found.includes(id))).toEqual([]);
    });
  }, 40_000);
});
