/**
 * DATABASE_REPLICA_URL with a real streaming replica: a private primary (initdb) and a hot standby
 * of it (pg_basebackup -R) on loopback ports, the standby applying WAL two seconds late
 * (recovery_min_apply_delay), and the real server process in front. pg_stat_statements on both
 * says which one answered each read.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { print, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli-process.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { CreateSecret, NodeById } from '../helpers/documents.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';
import { queryAt, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { killServers, spawnServer } from '../helpers/server-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The machine's Redis (.ci/run starts it), as test/api/rate-limit.test.ts finds it. */
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const APPLY_DELAY_MS = 2000;

const skipReason = testDatabaseUrl ? null : 'PostgreSQL pass only (TEST_DATABASE_URL unset)';
if (skipReason) console.info(`replica.test.ts skipped: ${skipReason}`);

let primary: PrivatePostgres;
let standby: PrivatePostgres;
let url: string;
let impatientUrl: string;
/** A second instance like the first: read-your-writes must hold across them (through Redis). */
let peerUrl: string;
const masterKey = randomBytes(32).toString('base64');
type Viewer = { teamId: string; userId: string; token: string };
let owner: Viewer;
let other: Viewer;

function sqlOn<T>(server: PrivatePostgres, text: string, values: unknown[] = []): Promise<T[]> {
  return queryAt<T>(server.url, text, values);
}

/** Reads of the secrets table each server has run since the last reset (the app's statements only). */
async function secretReads(server: PrivatePostgres): Promise<number> {
  const [row] = await sqlOn<{ calls: number }>(
    server,
    `select coalesce(sum(calls), 0)::int as calls from pg_stat_statements where query ilike 'select%from "secrets"%'`,
  );
  return row!.calls;
}

async function resetCounts(): Promise<void> {
  await sqlOn(primary, 'select pg_stat_statements_reset()');
  await sqlOn(standby, 'select pg_stat_statements_reset()');
}

/** The answers this file reads: a createSecret payload, or a node's version. */
interface Body {
  data?: {
    createSecret?: { __typename: string; secret: { id: string } };
    node?: { version?: number } | null;
  };
  errors?: unknown[];
}

async function post(document: DocumentNode, variables: unknown, token: string, baseUrl = url) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

async function createSecret(viewer: Viewer): Promise<string> {
  const input = { teamId: viewer.teamId, name: `r-${randomUUID()}`, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } };
  const { body } = await post(CreateSecret, { input }, viewer.token);
  if (body.data?.createSecret?.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(body));
  return body.data.createSecret.secret.id;
}

/** node(id) for a secret: its version when found, failing the test on anything but a clean answer. */
async function readSecret(id: string, viewer: Viewer, baseUrl = url): Promise<number | null> {
  const { status, body } = await post(NodeById, { id }, viewer.token, baseUrl);
  expect(status, JSON.stringify(body)).toBe(200);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data?.node?.version ?? null;
}

/** Until the standby has applied the row (polled on the standby itself). */
async function replicated(id: string): Promise<void> {
  const deadline = Date.now() + APPLY_DELAY_MS + 10_000;
  while (Date.now() < deadline) {
    const rows = await sqlOn(standby, 'select 1 from secrets where id = $1', [rawId(id)]);
    if (rows.length > 0) return;
    await sleep(100);
  }
  throw new Error(`secret ${id} never reached the standby`);
}

async function bootstrap(databaseUrl: string): Promise<Viewer> {
  const result = await runCli(
    ['bootstrap', '--team', `Replica ${randomUUID().slice(0, 8)}`, '--email', `replica-${randomUUID()}@example.test`],
    { DATABASE_URL: databaseUrl },
    30_000,
  );
  if (result.code !== 0) throw new Error(`bootstrap failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Viewer;
}

describe.skipIf(skipReason)('queries on a streaming replica, writes and read-your-writes on the primary', () => {
  beforeAll(async () => {
    const counting = ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'];
    primary = await startPrivatePostgres({ settings: counting });
    await sqlOn(primary, 'create extension if not exists pg_stat_statements');
    owner = await bootstrap(primary.url);
    other = await bootstrap(primary.url);
    standby = await startPrivatePostgres({ standbyOf: primary, settings: [...counting, `recovery_min_apply_delay=${APPLY_DELAY_MS}ms`] });
    const start = (env: Record<string, string> = {}) =>
      spawnServer({
        DATABASE_URL: primary.url,
        DATABASE_REPLICA_URL: standby.url,
        REDIS_URL: redisUrl,
        CLOAKROOM_MASTER_KEY: masterKey,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        // The load is the point: no rate limit may turn it away.
        CLOAKROOM_RATE_LIMIT_QUERIES_PER_MINUTE: '0',
        CLOAKROOM_RATE_LIMIT_TEAM_QUERIES_PER_MINUTE: '0',
        ...env,
      }).listening();
    url = await start();
    peerUrl = await start();
    // A second instance that tolerates less lag than the standby's apply delay.
    impatientUrl = await start({ CLOAKROOM_REPLICA_MAX_LAG_MS: String(APPLY_DELAY_MS / 4) });
  }, 90_000);

  afterAll(async () => {
    await killServers();
    await standby?.destroy();
    await primary?.destroy();
  });

  test("a viewer's read right after their own write is served by the primary; another viewer's reads by the replica", async () => {
    const othersSecret = await createSecret(other);
    await replicated(othersSecret);
    // Past the delay of the other viewer's own write, and a probe later.
    await sleep(APPLY_DELAY_MS + 500);

    await resetCounts();
    const mine = await createSecret(owner);
    // At once: the standby applies it two seconds from now, yet the owner sees it.
    expect(await readSecret(mine, owner)).toBe(1);
    expect(await sqlOn(standby, 'select 1 from secrets where id = $1', [rawId(mine)])).toEqual([]);
    // Another viewer, meanwhile, reads from the replica.
    for (let i = 0; i < 5; i++) expect(await readSecret(othersSecret, other)).toBe(1);
    const [onPrimary, onStandby] = [await secretReads(primary), await secretReads(standby)];
    console.info(`right after the write: secrets read ${onPrimary}× on the primary, ${onStandby}× on the standby`);
    // The owner's read (and the mutation's own lookups) on the primary; the other viewer's five on the standby.
    expect(onPrimary).toBeGreaterThan(0);
    expect(onStandby).toBeGreaterThanOrEqual(5);

    // Once the standby has replayed the write, the owner reads from it too.
    await replicated(mine);
    await sleep(500);
    await resetCounts();
    for (let i = 0; i < 5; i++) expect(await readSecret(mine, owner)).toBe(1);
    expect(await secretReads(primary)).toBe(0);
    expect(await secretReads(standby)).toBeGreaterThanOrEqual(5);
  }, 60_000);

  test("read-your-writes across instances: a write through one, the viewer's read through another right after still sees it", async () => {
    await sleep(APPLY_DELAY_MS);
    const input = { teamId: owner.teamId, name: `r-${randomUUID()}`, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } };
    const { body } = await post(CreateSecret, { input }, owner.token, url);
    const id = body.data?.createSecret?.secret.id;
    if (!id) throw new Error(JSON.stringify(body));
    expect(await readSecret(id, owner, peerUrl)).toBe(1);
    expect(await sqlOn(standby, 'select 1 from secrets where id = $1', [rawId(id)])).toEqual([]);
  });

  test('a standby lagging more than CLOAKROOM_REPLICA_MAX_LAG_MS is skipped until it catches up', async () => {
    const othersSecret = await createSecret(other);
    await replicated(othersSecret);
    await sleep(500);
    // Any write makes the standby lag (it applies it APPLY_DELAY_MS late): past a quarter of that, the impatient instance skips it.
    const written = await createSecret(owner);
    await sleep(APPLY_DELAY_MS / 2);
    await resetCounts();
    for (let i = 0; i < 5; i++) expect(await readSecret(othersSecret, other, impatientUrl)).toBe(1);
    expect(await secretReads(standby)).toBe(0);
    expect(await secretReads(primary)).toBeGreaterThanOrEqual(5);
    // Caught up: the standby serves it again.
    await replicated(written);
    await sleep(500);
    await resetCounts();
    for (let i = 0; i < 5; i++) expect(await readSecret(othersSecret, other, impatientUrl)).toBe(1);
    expect(await secretReads(standby)).toBeGreaterThanOrEqual(5);
  }, 60_000);

  test('the standby stopped under a read load: reads fall back to the primary, no request fails', async () => {
    const secret = await createSecret(other);
    await replicated(secret);
    await sleep(500);
    const failures: string[] = [];
    let reads = 0;
    let loading = true;
    const workers = Array.from({ length: 4 }, async () => {
      while (loading) {
        const { status, body } = await post(NodeById, { id: secret }, other.token);
        reads++;
        if (status !== 200 || body.errors || body.data?.node?.version !== 1) failures.push(`${status} ${JSON.stringify(body)}`);
      }
    });
    await sleep(500);
    await standby.stop('fast');
    await resetCounts().catch(() => sqlOn(primary, 'select pg_stat_statements_reset()'));
    await sleep(1500);
    loading = false;
    await Promise.all(workers);
    console.info(`standby stopped under load: ${reads} reads, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(20);
    // After the stop, the primary served the reads.
    expect(await secretReads(primary)).toBeGreaterThan(5);
    await standby.start();
  }, 60_000);
});
