import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import { graphql } from '../gql/index.ts';
import { randomBytes } from 'node:crypto';
import { createTeamWithOwner, execute, GENEROUS_RATE_LIMIT, type TestApp, type TestTeam } from '../helpers/app.ts';
import { openTestDatabase, testDatabaseUrl } from '../helpers/database.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logger.ts';
import { createKeyring } from '../../src/modules/crypto/envelope.ts';
import { UpdateSecret } from '../helpers/documents.ts';
import { createS3Secret, useTestApp } from '../helpers/fixtures.ts';
import { fromGlobalId } from '../../src/graphql/global-id.ts';
import { startCountingTestApp } from '../helpers/statement-log.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';
import { authenticate } from '../../src/modules/auth/auth.service.ts';

/*
 * The whole-request deadline. A request is made slow the way real ones get slow: another
 * transaction holds the row lock the mutation needs. PostgreSQL only: PGlite is one connection,
 * so a held transaction would stall every request before it even started.
 */

const DeadlineViewer = graphql(`
  query DeadlineViewer {
    viewer {
      id
    }
  }
`);

const TIMEOUT_MS = 400;
// Filled in by useTestApp inside the PostgreSQL-only describe, so that PGlite runs start no app.
let t: TestApp;
let team: TestTeam;

describe.runIf(testDatabaseUrl)('request deadline (PostgreSQL)', () => {
  ({ t, team } = useTestApp({ requestTimeoutMs: TIMEOUT_MS }));

  test('a request stuck on a lock is answered 503 REQUEST_TIMEOUT at its deadline; the server keeps serving; the change lands whole or not at all', async () => {
    const secret = await createS3Secret(t.app, team);
    const secretId = fromGlobalId(secret.id, 'Secret');

    // Another transaction holds the secret's row lock until released.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = t.db.transaction().execute(async (trx) => {
      await sql`select id from secrets where id = ${secretId} for update`.execute(trx);
      locked();
      await released;
    });
    await isLocked;

    try {
      const started = performance.now();
      const stuck = await execute(t.app, UpdateSecret, { input: { id: secret.id, description: 'after the lock' } }, team.ownerToken);
      const elapsed = performance.now() - started;

      expect(stuck.status).toBe(503);
      expect(stuck.headers.get('retry-after')).toBe('1');
      expect(stuck.body.errors?.[0]?.extensions).toMatchObject({ code: 'REQUEST_TIMEOUT' });
      expect(stuck.body.errors?.[0]?.message).toMatch(/did not finish within 400 ms/);
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);

      // Still locked, yet other requests are served.
      const viewer = await execute(t.app, DeadlineViewer, {}, team.ownerToken);
      expect(viewer.status).toBe(200);
      expect(viewer.body.data?.viewer.id).toBeTruthy();
    } finally {
      release();
      await holder;
    }

    // The abandoned transaction was not cut in half: once the lock is free it commits whole (a
    // version bump with its one audit row), as the timeout message warns it may.
    const deadline = Date.now() + 5000;
    let row = await t.db.selectFrom('secrets').select(['version', 'description']).where('id', '=', secretId).executeTakeFirstOrThrow();
    while (row.version === secret.version && Date.now() < deadline) {
      await sleep(20);
      row = await t.db.selectFrom('secrets').select(['version', 'description']).where('id', '=', secretId).executeTakeFirstOrThrow();
    }
    expect(row).toEqual({ version: secret.version + 1, description: 'after the lock' });
    expect(await auditEventsOf(t.db, secret.id, 'secret.updated')).toMatchObject([{ target_version: secret.version + 1 }]);
  });

  test('requests that finish in time are untouched by the deadline', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => execute(t.app, DeadlineViewer, {}, team.ownerToken)));
    for (const response of responses) expect(response.status).toBe(200);
  });
});

/** A full garbage collection (V8's gc, exposed at run time). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('request deadline', () => {
  test('finished requests leave nothing behind: the heap does not grow with their number', async () => {
    // The app alone: the test harness keeps every response for its leak sweep.
    const db = await openTestDatabase();
    try {
      const app = createApp({
        db,
        keyring: createKeyring(randomBytes(32)),
        logger: createLogger('silent'),
        rateLimit: GENEROUS_RATE_LIMIT,
      });
      const owner = await createTeamWithOwner(db);
      const send = async (count: number) => {
        for (let i = 0; i < count; i++) expect((await execute(app, DeadlineViewer, {}, owner.ownerToken)).status).toBe(200);
      };
      await send(400);
      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      await send(1000);
      collectGarbage();
      const perRequest = (process.memoryUsage().heapUsed - before) / 1000;
      // A request kept alive by its signal keeps its whole execution: kilobytes each.
      expect(perRequest).toBeLessThan(1_000);
    } finally {
      await db.destroy();
    }
  }, 120_000); // Thousands of requests and forced collections: slow on a loaded 2-core machine.
});

describe("request deadline without a timer's turn", () => {
  /**
   * The body arrives 60 ms after the request (a slow client), so a 20 ms deadline has passed before
   * execution starts, yet no timer has had its turn since: only a deadline checked by the executor
   * and the resolvers themselves can stop the operation before its first resolver.
   */
  async function sendLate(app: TestApp['app'], token: string, query: string) {
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await sleep(60);
        controller.enqueue(new TextEncoder().encode(JSON.stringify({ query })));
        controller.close();
      },
    });
    const response = await app.fetch('http://cloakroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
      duplex: 'half',
    } as RequestInit);
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
  }

  let counting: Awaited<ReturnType<typeof startCountingTestApp>>;
  let owner: TestTeam;
  beforeAll(async () => {
    counting = await startCountingTestApp({ requestTimeoutMs: 20 });
    owner = await createTeamWithOwner(counting.db);
    // The token is looked up (and cached) now, so that the requests below need no statement of their own to authenticate.
    expect(await authenticate(counting.db, `Bearer ${owner.ownerToken}`)).not.toBeNull();
  });
  afterAll(() => counting?.close());

  test.each([
    // No variables, no object literal: graphql-jit runs it, and graphql-jit never looks at the signal.
    ['compiled by graphql-jit', '{ viewer { memberships { team { secrets(first: 5) { edges { node { id } } } } } } }'],
    // An object literal: graphql-js runs it.
    ['on graphql-js', '{ viewer { memberships { team { secrets(first: 5, filter: { search: "x" }) { edges { node { id } } } } } } }'],
  ])('%s: a request already past its deadline when execution starts runs no resolver and no SQL', async (_path, query) => {
    counting.statementLog.reset();
    const late = await sendLate(counting.app, owner.ownerToken, query);
    expect(late.status).toBe(503);
    expect(late.body.errors?.[0]?.extensions?.code).toBe('REQUEST_TIMEOUT');
    // Whatever would have gone on after the answer has had time to show itself.
    await sleep(100);
    expect(counting.statementLog.tables().filter((table) => table !== 'api_tokens')).toEqual([]);
  });
});
