import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { killServers, spawnServer } from '../helpers/server-process.ts';

/*
 * The embedded database is for development: its server is not reachable from the network unless
 * HOST says so (src/config.ts, src/server.ts).
 */

const dataDirs: string[] = [];
afterEach(killServers);
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** An IPv4 address of this machine that is not loopback, if it has one. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;

/** Whether a TCP connection to address:port is accepted. */
async function accepts(address: string, port: number): Promise<boolean> {
  const socket = connect(port, address);
  try {
    await Promise.race([once(socket, 'connect'), once(socket, 'error').then(([error]) => Promise.reject(error as Error))]);
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

async function start(env: Record<string, string>): Promise<{ host: string; port: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-listen-test-'));
  dataDirs.push(dataDir);
  const server = spawnServer({ DATA_DIR: dataDir, ...env });
  const line = await server.waitForLine(/"msg":"listening"/);
  const { host, port } = JSON.parse(line) as { host: string; port: number };
  return { host, port };
}

// A fresh embedded database migrates before it listens: seconds, more on a busy machine.
describe('listen address in embedded mode', () => {
  test('127.0.0.1 by default: loopback connects, another interface of this machine does not', async () => {
    const { host, port } = await start({});
    expect(host).toBe('127.0.0.1');
    expect(await accepts('127.0.0.1', port)).toBe(true);
    if (externalAddress) expect(await accepts(externalAddress, port)).toBe(false);
  }, 120_000);

  test('HOST overrides it: 0.0.0.0 listens on every interface', async () => {
    const { host, port } = await start({ HOST: '0.0.0.0' });
    expect(host).toBe('0.0.0.0');
    expect(await accepts('127.0.0.1', port)).toBe(true);
    if (externalAddress) expect(await accepts(externalAddress, port)).toBe(true);
  }, 120_000);
});
