import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultOf, TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { migrateToLatest } from '../../db/migrate.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logger.ts';
import { createKeyring } from '../../src/modules/crypto/envelope.ts';
import { openDatabase } from '../../src/database/open-database.ts';
import { graphql } from '../gql/index.ts';
import { createTeamWithOwner, executeOk } from '../helpers/app.ts';
import { openTestDatabase, testDatabaseUrl } from '../helpers/database.ts';
import { CreateSecret, DeleteSecret } from '../helpers/documents.ts';
import { rawId } from '../helpers/ids.ts';
import { createIsolatedPostgresDatabase } from '../helpers/isolated-database.ts';
import { killServers, spawnServer, type ServerProcess } from '../helpers/server-process.ts';

const ProcessViewer = graphql(`
  query ProcessViewer {
    viewer {
      id
      user {
        id
      }
      memberships {
        team {
          name
        }
      }
    }
  }
`);

/** Nothing listens on port 1: the connection is refused at once. */
const UNREACHABLE_DATABASE_URL = 'postgres://root@127.0.0.1:1/cloakroom';

const dataDirs: string[] = [];
function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-server-test-'));
  dataDirs.push(dir);
  return dir;
}

afterEach(killServers);
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function post<TResult, TVariables>(
  baseUrl: string,
  document: TypedDocumentNode<TResult, TVariables>,
  token: string,
): Promise<{ status: number; body: ExecutionResult<TResult> }> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document) }),
  });
  return { status: response.status, body: (await response.json()) as ExecutionResult<TResult> };
}

/** GET's status, with the body read so that the connection is idle again. */
async function statusOf(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

function parseLogLine(line: string): { msg?: unknown; status?: number } {
  try {
    return JSON.parse(line) as { msg?: unknown; status?: number };
  } catch {
    throw new Error(`not a JSON log line on stdout: ${line}`);
  }
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Starts an embedded server and waits until it listens and has said where its dev token is. */
async function startEmbedded(dataDir: string): Promise<{ server: ServerProcess; url: string; tokenLine: string }> {
  const server = spawnServer({ DATA_DIR: dataDir });
  const [url, tokenLine] = await Promise.all([server.listening(), server.waitForLine(/dev-token/)]);
  return { server, url, tokenLine };
}

// One DATA_DIR, started once per test, in order: the first start creates everything and the
// later ones reuse it (a fresh PGlite costs seconds). The last test reads every start's output.
describe('embedded database in DATA_DIR', () => {
  const dataDir = newDataDir();
  const tokenFile = join(dataDir, 'dev-token');
  const keyFile = join(dataDir, 'master.key');
  const runs: ServerProcess[] = [];
  let token: string;
  let masterKey: string;
  let viewerId: string;

  async function start() {
    const started = await startEmbedded(dataDir);
    runs.push(started.server);
    return started;
  }

  test('the first start creates a 0600 dev token and master key, says where the token is, and the token works over HTTP', async () => {
    const { server, url, tokenLine } = await start();
    expect(tokenLine).toContain(tokenFile);
    expect(modeOf(tokenFile)).toBe(0o600);
    expect(modeOf(keyFile)).toBe(0o600);
    token = readFileSync(tokenFile, 'utf8').trim();
    masterKey = readFileSync(keyFile, 'utf8');
    expect(Buffer.from(masterKey.trim(), 'base64')).toHaveLength(32);

    const { status, body } = await post(url, ProcessViewer, token);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.viewer.id).toEqual(expect.any(String));
    viewerId = body.data!.viewer.id;

    expect(await statusOf(`${url}/healthz`)).toBe(200);
    expect(await statusOf(`${url}/readyz`)).toBe(200);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  test('a second start reuses the key, the token and the team "Demo"', async () => {
    const { server, url, tokenLine } = await start();
    expect(tokenLine).toContain(tokenFile);
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(token);
    expect(readFileSync(keyFile, 'utf8')).toBe(masterKey);

    const { status, body } = await post(url, ProcessViewer, token);
    expect(status).toBe(200);
    expect(body.data?.viewer).toMatchObject({ id: viewerId, memberships: [{ team: { name: 'Demo' } }] });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  test('SIGTERM lets an in-flight request finish with 200, then exits 0', async () => {
    const { server, url } = await start();

    // "Expect: 100-continue" holds the request open deterministically: the server's "100 Continue"
    // proves it has parsed the request, and it then waits for the body we have not sent yet.
    const body = JSON.stringify({ query: print(ProcessViewer) });
    const req = request(`${url}/graphql`, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${token}`,
        expect: '100-continue',
      },
    });
    const response = new Promise<{ status: number | undefined; text: string }>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      });
    });
    const continued = once(req, 'continue');
    req.flushHeaders();
    await continued;

    server.child.kill('SIGTERM');
    await server.waitForLine(/"msg":"draining in-flight requests"/);
    req.end(body);

    const { status, text } = await response;
    expect(status).toBe(200);
    expect((JSON.parse(text) as ExecutionResult<ResultOf<typeof ProcessViewer>>).data?.viewer.id).toBe(viewerId);
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  test('stdout carries only JSON log lines, and no start ever printed the token', async () => {
    const { server, url } = await start();
    // One request of each outcome: success, a GraphQL error, a rejected token, the GraphiQL page.
    expect((await post(url, ProcessViewer, token)).status).toBe(200);
    const syntaxError = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"query":"{ viewer {"}',
    });
    expect(await syntaxError.json()).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    expect((await post(url, ProcessViewer, `${token}x`)).status).toBe(401);
    // Read to the end: an unread response keeps its connection busy, and SIGTERM would wait for it.
    expect(await (await fetch(`${url}/graphql`, { headers: { accept: 'text/html', authorization: `Bearer ${token}` } })).text()).toContain(
      '<html',
    );
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    const statuses = server.stdout.filter(Boolean).flatMap((line) => {
      const log = parseLogLine(line);
      return log.msg === 'request' ? [log.status] : [];
    });
    expect(statuses).toEqual([200, 200, 401, 200]);

    // The first start, which created the token, is the likeliest to have leaked it.
    expect(runs).toHaveLength(4);
    const secret = token.split('_').slice(2).join('_');
    for (const run of runs) {
      for (const line of run.stdout.filter(Boolean)) {
        expect(parseLogLine(line), line).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
      }
      for (const output of [run.stdout.join('\n'), run.stderr.join('\n')]) {
        expect(output).not.toContain(token);
        expect(output).not.toContain(secret);
      }
    }
  });
});

test('with DATABASE_URL and no CLOAKROOM_MASTER_KEY it refuses to start, and says why', async () => {
  const server = spawnServer({ DATABASE_URL: UNREACHABLE_DATABASE_URL });
  const exit = await server.exited;
  expect(exit.signal).toBeNull();
  expect(exit.code).toBeGreaterThan(0);
  expect(server.stderr.join('\n')).toContain('CLOAKROOM_MASTER_KEY is required');
  expect(server.stdout.join('\n')).not.toContain('listening');
});

test('while PostgreSQL is unreachable, /healthz answers 200 and /readyz 503', async () => {
  const server = spawnServer({
    DATABASE_URL: UNREACHABLE_DATABASE_URL,
    CLOAKROOM_MIGRATE: 'false',
    CLOAKROOM_MASTER_KEY: randomBytes(32).toString('base64'),
  });
  const url = await server.listening();
  expect(await statusOf(`${url}/healthz`)).toBe(200);
  expect(await statusOf(`${url}/readyz`)).toBe(503);
  expect(await server.stop()).toEqual({ code: 0, signal: null });
});

// The PostgreSQL run also starts the server on the run's database: migrations at start, /readyz, a real token.
test.runIf(testDatabaseUrl)('with DATABASE_URL and a master key it serves PostgreSQL', async () => {
  const server = spawnServer({ DATABASE_URL: testDatabaseUrl!, CLOAKROOM_MASTER_KEY: randomBytes(32).toString('base64') });
  const url = await server.listening();
  expect(await statusOf(`${url}/readyz`)).toBe(200);
  const db = await openTestDatabase();
  try {
    const { ownerToken, ownerId } = await createTeamWithOwner(db);
    const { body } = await post(url, ProcessViewer, ownerToken);
    expect(body.data?.viewer.user.id).toBe(ownerId);
  } finally {
    await db.destroy();
  }
  expect(await server.stop()).toEqual({ code: 0, signal: null });
});

test('at start, after migrations, it derives the previews a migration masked anew from the sealed payloads', async () => {
  const masterKey = randomBytes(32);
  const value = `start-${randomBytes(12).toString('hex')}`;
  // A database of its own: the start remasks every stale row it finds, other files' included.
  const isolated = await createIsolatedPostgresDatabase();
  const dataDir = newDataDir();
  const database: Record<string, string> = isolated ? { DATABASE_URL: isolated.databaseUrl } : { DATA_DIR: dataDir };
  try {
    const { db, close } = await openDatabase({ databaseUrl: isolated?.databaseUrl, dataDir });
    let team: Awaited<ReturnType<typeof createTeamWithOwner>>;
    let secretId: string;
    try {
      await migrateToLatest(db);
      team = await createTeamWithOwner(db);
      const app = createApp({ db, keyring: createKeyring(masterKey), logger: createLogger('silent'), rateLimit: false });
      const input = {
        teamId: team.teamId,
        name: `start-${randomUUID()}`,
        secretType: 'ENV' as const,
        credentials: { envVars: [{ key: 'TOKEN', value }] },
      };
      const created = (await executeOk(app, CreateSecret, { input }, team.ownerToken)).createSecret;
      if (created.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
      secretId = created.secret.id;
      // What migration 0010 leaves behind: the fixed mask, marked stale.
      await db
        .updateTable('secrets')
        .set({ previews_stale: true, credential_fields: JSON.stringify([{ name: 'TOKEN', envVar: 'TOKEN', maskedValue: '••••' }]) })
        .where('id', '=', rawId(secretId))
        .execute();
    } finally {
      await close();
    }

    const server = spawnServer({ ...database, CLOAKROOM_MASTER_KEY: masterKey.toString('base64') });
    const url = await server.listening();
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${team.ownerToken}` },
      body: JSON.stringify({
        query: 'query ($id: ID!) { node(id: $id) { ... on Secret { credentialFields { maskedValue } } } }',
        variables: { id: secretId },
      }),
    });
    expect(await response.json()).toEqual({
      data: { node: { credentialFields: [{ maskedValue: `${value.slice(0, 4)}••••${value.slice(-3)}` }] } },
    });
    expect(server.stdout.join('\n')).toContain('masked previews derived anew');
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  } finally {
    await isolated?.drop();
  }
}, 120_000); // Whole migrations or a spawned server: slow on a loaded 2-core machine.

test('every server sweeps: a secret past its recovery window is purged on the interval (one secret.purged); SIGTERM stops the sweep and exits 0', async () => {
  const masterKey = randomBytes(32);
  // A database of its own: the sweep purges every due secret it finds, other files' included.
  const isolated = await createIsolatedPostgresDatabase();
  const dataDir = newDataDir();
  const database: Record<string, string> = isolated ? { DATABASE_URL: isolated.databaseUrl } : { DATA_DIR: dataDir };
  const open = () => openDatabase({ databaseUrl: isolated?.databaseUrl, dataDir });
  try {
    let secretId: string;
    {
      const { db, close } = await open();
      try {
        await migrateToLatest(db);
        const team = await createTeamWithOwner(db);
        const app = createApp({ db, keyring: createKeyring(masterKey), logger: createLogger('silent'), rateLimit: false });
        const input = {
          teamId: team.teamId,
          name: `sweep-${randomUUID()}`,
          secretType: 'ENV' as const,
          credentials: { envVars: [{ key: 'TOKEN', value: 'sweep-value-0123' }] },
        };
        const created = (await executeOk(app, CreateSecret, { input }, team.ownerToken)).createSecret;
        if (created.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
        secretId = created.secret.id;
        const deleted = (await executeOk(app, DeleteSecret, { input: { id: secretId } }, team.ownerToken)).deleteSecret;
        expect(deleted.__typename).toBe('DeleteSecretSuccess');
        // The API schedules purges days ahead: the window is ended by writing purge_at directly.
        await db
          .updateTable('secrets')
          .set({ deleted_at: new Date(Date.now() - 8 * 86_400_000), purge_at: new Date(Date.now() - 1000) })
          .where('id', '=', rawId(secretId))
          .execute();
      } finally {
        await close();
      }
    }

    const server = spawnServer({ ...database, CLOAKROOM_MASTER_KEY: masterKey.toString('base64'), CLOAKROOM_PURGE_INTERVAL_MS: '200' });
    await server.listening();
    const line = await server.waitForLine(/secrets past their recovery window purged/);
    expect(JSON.parse(line)).toMatchObject({ purged: 1 });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(server.stdout.join('\n')).not.toContain('purge of secrets past their recovery window failed');

    const { db, close } = await open();
    try {
      expect(await db.selectFrom('secrets').select('id').where('id', '=', rawId(secretId)).execute()).toEqual([]);
      const events = await db
        .selectFrom('audit_events')
        .select(['action', 'actor_user_id'])
        .where('target_id', '=', rawId(secretId))
        .where('action', '=', 'secret.purged')
        .execute();
      expect(events).toEqual([{ action: 'secret.purged', actor_user_id: null }]);
    } finally {
      await close();
    }
  } finally {
    await isolated?.drop();
  }
}, 120_000); // Whole migrations or a spawned server: slow on a loaded 2-core machine.
