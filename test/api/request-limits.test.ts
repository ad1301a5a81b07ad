import { once } from 'node:events';
import { request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHttpServer } from '../../src/http/node-server.ts';
import { createS3Secret, useTestApp } from '../helpers/fixtures.ts';

/*
 * No single request can hold the server: the application behind src/http/node-server.ts (the node:http
 * server of src/server.ts) on a real socket, with short timeouts so that the tests are quick.
 */

const HEADERS_TIMEOUT_MS = 400;
const BODY_TIMEOUT_MS = 800;
const MAX_RESPONSE_BYTES = 50_000;

const { t, team } = useTestApp({ maxResponseBytes: MAX_RESPONSE_BYTES, members: true });
let secretId: string;
let server: Server;
let base: string;
let port: number;

beforeAll(async () => {
  secretId = (await createS3Secret(t.app, team, { name: 'attacked' })).id;
  // Yoga answers its own failures (a 500): its promise is not awaited.
  server = createHttpServer((req, res) => void t.app(req, res), { headersTimeoutMs: HEADERS_TIMEOUT_MS, bodyTimeoutMs: BODY_TIMEOUT_MS });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function graphqlOverSocket(token: string, body: unknown) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] },
  };
}

/** Polls /healthz until `stop()`, keeping the slowest answer. */
function watchHealth() {
  let polling = true;
  let slowest = 0;
  let answers = 0;
  const done = (async () => {
    while (polling) {
      const started = performance.now();
      const response = await fetch(`${base}/healthz`);
      await response.arrayBuffer();
      expect(response.status).toBe(200);
      slowest = Math.max(slowest, performance.now() - started);
      answers++;
      await sleep(5);
    }
  })();
  return {
    stop: async () => {
      polling = false;
      await done;
      return { slowest, answers };
    },
  };
}

describe('the nodes(ids) attack', () => {
  test('a VIEWER sending 20 aliases of nodes(ids: $i) with 12,000 copies of one id is refused within a second; /healthz answers within 100 ms meanwhile', async () => {
    const query = `query Attack($i: [ID!]!) { ${Array.from({ length: 20 }, (_, k) => `a${k}: nodes(ids: $i) { id ... on Secret { name envVarKeys credentialFields { name maskedValue } } }`).join(' ')} }`;
    const body = { query, variables: { i: Array(12_000).fill(secretId) } };
    expect(JSON.stringify(body).length).toBeGreaterThan(700_000);

    // Warm: the first requests over a new socket pay for code loaded and compiled once.
    for (let i = 0; i < 3; i++) {
      await (await fetch(`${base}/healthz`)).arrayBuffer();
      expect((await graphqlOverSocket(team.members.VIEWER.token, { query, variables: { i: [secretId] } })).status).toBe(200);
    }
    // Serialised before the watch starts: the client's own work (same event loop) is not the server's.
    const text = JSON.stringify(body);
    const health = watchHealth();
    await sleep(50);
    const started = performance.now();
    const attack = await graphqlOverSocket(team.members.VIEWER.token, text);
    const elapsed = performance.now() - started;
    await sleep(50);
    const { slowest, answers } = await health.stop();

    expect(attack.body.data ?? null).toBeNull();
    expect(attack.body.errors).toHaveLength(1);
    expect(attack.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(attack.body.errors?.[0]?.message).toMatch(/"ids" of "nodes" must hold at most 100 items \(got 12000\)/);
    expect(elapsed).toBeLessThan(1000);
    expect(answers).toBeGreaterThanOrEqual(2);
    expect(slowest).toBeLessThan(100);
  });
});

describe('response size', () => {
  test(`an answer over the limit is refused with 422 RESPONSE_TOO_LARGE and no data; one under it is sent whole`, async () => {
    const query = (count: number) =>
      `query($i: [ID!]!) { ${Array.from({ length: count }, (_, k) => `a${k}: nodes(ids: $i) { id ... on Secret { name } }`).join(' ')} }`;
    // About 80 bytes a secret: 20 × 100 of them (well within the complexity limit) is over 50,000 bytes.
    const big = await graphqlOverSocket(team.members.VIEWER.token, { query: query(20), variables: { i: Array(100).fill(secretId) } });
    expect(big.status).toBe(422);
    expect(big.body.data ?? null).toBeNull();
    expect(big.body.errors).toHaveLength(1);
    expect(big.body.errors?.[0]?.extensions?.code).toBe('RESPONSE_TOO_LARGE');
    expect(big.body.errors?.[0]?.message).toMatch(/larger than 50000 bytes/);

    const small = await graphqlOverSocket(team.members.VIEWER.token, { query: query(2), variables: { i: Array(10).fill(secretId) } });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
    expect((small.body.data as Record<string, { id: string }[]>)['a1']).toHaveLength(10);
  });
});

/** Opens a raw connection, writes `first`, then `trickle` every 50 ms; resolves with what the server sent and when it closed. */
async function slowClient(first: string, trickle?: string): Promise<{ received: string; closedAfterMs: number }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const started = performance.now();
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  socket.write(first);
  const timer = trickle ? setInterval(() => socket.writable && socket.write(trickle), 50) : undefined;
  // Not events.once: it rejects on 'error', and a server closing on unread bytes makes the client see a reset.
  const closed = new Promise((resolve) => socket.once('close', resolve));
  const giveUp = sleep(10_000).then(() => 'still open');
  const outcome = await Promise.race([closed, giveUp]);
  clearInterval(timer);
  socket.destroy();
  if (outcome === 'still open') throw new Error('the server never closed the connection');
  return { received, closedAfterMs: performance.now() - started };
}

describe('slow clients are cut off', () => {
  test('headers trickling in one line at a time: 408 and closed at the headers timeout', async () => {
    const { received, closedAfterMs } = await slowClient('POST /graphql HTTP/1.1\r\nHost: cloakroom.test\r\n', 'X-Slow: 1\r\n');
    // The 408 is sent, but the reset caused by the bytes still trickling in may reach the client first.
    expect(received === '' || /^HTTP\/1\.1 408/.test(received)).toBe(true);
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + 1000);
  });

  test('a body that stalls after its first bytes: cut off at the body timeout, and the server goes on serving', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: cloakroom.test\r\nContent-Type: application/json\r\nAuthorization: Bearer ${team.members.VIEWER.token}\r\nContent-Length: 1000\r\n\r\n`;
    const { closedAfterMs } = await slowClient(`${head}{"query":`);
    expect(closedAfterMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
    expect(closedAfterMs).toBeLessThan(BODY_TIMEOUT_MS + 1000);
    expect((await graphqlOverSocket(team.members.VIEWER.token, { query: '{ viewer { id } }' })).status).toBe(200);
  });
});

describe('a body over the limit', () => {
  /**
   * Sends `size` bytes announced by Content-Length as fast as the connection takes them, and waits
   * until the exchange is over (response read, request closed): the status and code it got, and any
   * error the client saw on the way (a write meeting a closed socket: EPIPE, ECONNRESET).
   */
  function sendLargeBody(size: number): Promise<{ status?: number; code?: string; error?: string }> {
    return new Promise((resolve) => {
      const outcome: { status?: number; code?: string; error?: string } = {};
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/graphql',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${team.members.VIEWER.token}`,
          'content-length': String(size),
        },
      });
      const responded = new Promise<void>((done) => {
        req.on('response', (response) => {
          outcome.status = response.statusCode;
          let text = '';
          response.setEncoding('utf8').on('data', (part: string) => (text += part));
          response.on('end', () => {
            outcome.code = (JSON.parse(text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code;
            done();
          });
          response.on('error', (error: NodeJS.ErrnoException) => {
            outcome.error ??= error.code ?? error.message;
            done();
          });
        });
      });
      const closed = new Promise<void>((done) => req.on('close', done));
      req.on('error', (error: NodeJS.ErrnoException) => (outcome.error ??= error.code ?? error.message));
      let sent = 0;
      const write = () => {
        while (sent < size && !req.destroyed) {
          const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
          sent += part.length;
          if (!req.write(part)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
      void Promise.race([Promise.all([responded, closed]), closed.then(() => sleep(100))]).then(() => resolve(outcome));
    });
  }

  test.each([2_000_000, 4_000_000, 8_000_000])(
    '%i bytes still being sent: the client receives the 413, not a broken pipe or a reset',
    async (size) => {
      for (let attempt = 0; attempt < 3; attempt++) {
        expect(await sendLargeBody(size)).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
      }
    },
  );
});
