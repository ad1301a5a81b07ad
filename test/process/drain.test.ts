/**
 * Graceful drain, at the level a reverse proxy sees it: nginx keeps idle keep-alive connections to
 * each instance and may send a request on one at any moment, also just after SIGTERM. The server
 * must answer that request (with "Connection: close"), not close the idle connection under it: a
 * request already sent is never resent by nginx (a POST is not idempotent), so it would be a 502.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, test } from 'vitest';
import { killServers, spawnServer } from '../helpers/server-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-drain-test-'));
afterEach(killServers);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** GET through `agent`, read to the end: status, Connection header and whether it went over a reused socket. */
async function get(agent: Agent, url: string): Promise<{ status: number | undefined; connection: string | undefined; reused: boolean }> {
  const req = request(url, { agent });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.resume();
  await once(res, 'end');
  return { status: res.statusCode, connection: res.headers.connection, reused: req.reusedSocket };
}

test('SIGTERM leaves idle keep-alive connections open: a request sent on one afterwards is answered with "Connection: close", then the server exits 0', async () => {
  const server = spawnServer({ DATA_DIR: dataDir });
  const url = await server.listening();
  // One pooled connection, like one of nginx's upstream keep-alive connections.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    expect(await get(agent, `${url}/healthz`)).toMatchObject({ status: 200, connection: 'keep-alive', reused: false });

    server.child.kill('SIGTERM');
    await server.waitForLine(/"msg":"draining in-flight requests"/);
    // The proxy picks the idle connection from its pool a moment after the signal.
    expect(await get(agent, `${url}/healthz`)).toEqual({ status: 200, connection: 'close', reused: true });
    // No new connections are accepted.
    await expect(get(new Agent(), `${url}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout.join('\n')).toContain('"msg":"stopped"');
  } finally {
    agent.destroy();
  }
});
