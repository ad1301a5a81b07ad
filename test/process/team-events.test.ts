/**
 * Team events across server processes: two `node src/server.ts` on the run's PostgreSQL database
 * and the shared Redis (a channel prefix of this run's own). The streams' safety poll is set to a
 * minute, so every live event below travelled as a Redis wake-up.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { print } from 'graphql';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTeamWithOwner, type TestTeam } from '../helpers/app.ts';
import { openTestDatabase, testDatabaseUrl } from '../helpers/database.ts';
import { TeamEventCursors, UpdateTeam } from '../helpers/documents.ts';
import { rawId } from '../helpers/ids.ts';
import { killServers, spawnServer, type ServerProcess } from '../helpers/server-process.ts';
import { expectContiguous, seqOf, subscribeSse } from '../helpers/sse.ts';
import type { Database } from '../../src/database/database.ts';

const masterKey = randomBytes(32).toString('base64');
const channelPrefix = `cloakroom-test-${randomUUID()}:`;
let db: Kysely<Database>;
let team: TestTeam;

function startServer(env: Record<string, string> = {}): ServerProcess {
  return spawnServer({
    DATABASE_URL: testDatabaseUrl!,
    CLOAKROOM_MASTER_KEY: masterKey,
    // The run's database is migrated, and holds other files' rows sealed under other keys.
    CLOAKROOM_MIGRATE: 'false',
    REDIS_URL: 'redis://127.0.0.1:6379',
    CLOAKROOM_REDIS_CHANNEL_PREFIX: channelPrefix,
    CLOAKROOM_EVENTS_POLL_MS: '60000',
    LOG_LEVEL: 'info',
    CLOAKROOM_RATE_LIMIT_MUTATIONS_PER_MINUTE: '0',
    CLOAKROOM_RATE_LIMIT_TEAM_MUTATIONS_PER_MINUTE: '0',
    ...env,
  });
}

async function rename(baseUrl: string, name: string): Promise<void> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${team.ownerToken}` },
    body: JSON.stringify({ query: print(UpdateTeam), variables: { input: { id: team.teamId, name } } }),
  });
  const body = (await response.json()) as { data?: { updateTeam?: { __typename: string } } };
  if (body.data?.updateTeam?.__typename !== 'UpdateTeamSuccess') throw new Error(`rename failed: ${JSON.stringify(body)}`);
}

/** `count` renames through `baseUrl`, `parallel` at a time: concurrent transactions, commits in any order. */
async function renames(baseUrl: string, count: number, parallel = 4): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await rename(baseUrl, `Events ${next++}`);
    }),
  );
}

describe.runIf(testDatabaseUrl)('team events across two server processes (PostgreSQL + Redis)', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let urlA: string;
  let urlB: string;

  beforeAll(async () => {
    db = await openTestDatabase();
    team = await createTeamWithOwner(db);
    a = startServer();
    b = startServer();
    [urlA, urlB] = await Promise.all([a.listening(), b.listening()]);
  }, 60_000);

  afterAll(async () => {
    await killServers();
    await db?.destroy();
  });

  test('a subscriber on A receives, in order, every event of 200 mutations made on B', async () => {
    const stream = await subscribeSse(`${urlA}/graphql`, TeamEventCursors, { teamId: team.teamId }, team.ownerToken);
    const first = (await lastSeq()) + 1;
    await renames(urlB, 200);
    await stream.waitFor(200, 30_000);
    expectContiguous(stream, first, 200);
    stream.close();
  }, 60_000);

  test('killing A mid-stream, then resuming on B with the last cursor: exactly the missed events', async () => {
    const first = (await lastSeq()) + 1;
    const stream = await subscribeSse(`${urlA}/graphql`, TeamEventCursors, { teamId: team.teamId }, team.ownerToken);
    const load = renames(urlB, 200);
    await stream.waitFor(50, 30_000);
    a.child.kill('SIGKILL');
    await stream.ended;
    await load;
    const received = stream.results.length;
    const seen = expectContiguous(stream, first, received);
    expect(received).toBeLessThan(200);

    const resumed = await subscribeSse(
      `${urlB}/graphql`,
      TeamEventCursors,
      { teamId: team.teamId, after: seen.at(-1)!.cursor },
      team.ownerToken,
    );
    await resumed.waitFor(200 - received, 30_000);
    expectContiguous(resumed, first + received, 200 - received);
    // Live again after the replay: one more change arrives once.
    await rename(urlB, 'After the replay');
    await resumed.waitFor(200 - received + 1, 10_000);
    expect(seqOf(resumed.results.at(-1)!.data!.teamEvents.cursor)).toBe(first + 200);
    resumed.close();
  }, 60_000);

  test('with Redis unreachable the server keeps serving, and its streams still get every event (through the poll)', async () => {
    const c = startServer({ REDIS_URL: 'redis://127.0.0.1:1', CLOAKROOM_EVENTS_POLL_MS: '200' });
    const urlC = await c.listening();
    const first = (await lastSeq()) + 1;
    const stream = await subscribeSse(`${urlC}/graphql`, TeamEventCursors, { teamId: team.teamId }, team.ownerToken);
    await renames(urlC, 5, 1);
    await stream.waitFor(5, 10_000);
    expectContiguous(stream, first, 5);
    expect(c.running).toBe(true);
    stream.close();
    // And it stops cleanly: its Redis clients never connected, and closing them waits for nothing.
    expect((await c.stop()).code).toBe(0);
  }, 30_000);

  test('SIGTERM ends open streams (the client resumes elsewhere) and the server exits promptly', async () => {
    const stream = await subscribeSse(`${urlB}/graphql`, TeamEventCursors, { teamId: team.teamId }, team.ownerToken);
    const started = Date.now();
    const exit = await b.stop();
    await stream.ended;
    expect(exit.code).toBe(0);
    // Before the 10 s drain timeout would have cut the stream's connection: the stream was ended, not cut.
    expect(Date.now() - started).toBeLessThan(9_000);
    expect(stream.text()).toContain('event: complete');
  }, 30_000);
});

async function lastSeq(): Promise<number> {
  const row = await db
    .selectFrom('team_events')
    .select((eb) => eb.fn.max('seq').as('last'))
    .where('team_id', '=', rawId(team.teamId))
    .executeTakeFirst();
  return Number(row?.last ?? 0);
}
