import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestCa, type TestCa } from '../../../test/helpers/test-ca.ts';
import { createOutboundGuard, EndpointNotAllowedError, isPublicAddress, OutboundTimeoutError, parseAllowedHost } from './outbound-guard.ts';

describe('which addresses are public', () => {
  test.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
  ])('%s is refused', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  test.each(['8.8.8.8', '52.216.1.1', '172.32.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  test('a name is not an address', () => {
    expect(isPublicAddress('example.com')).toBe(false);
  });
});

describe('CLOAKROOM_OUTBOUND_ALLOWED_HOSTS entries', () => {
  test('addresses, ranges and names parse; anything else does not', () => {
    expect(parseAllowedHost('127.0.0.1')).toEqual({ network: '127.0.0.1', prefix: 32 });
    expect(parseAllowedHost('10.0.0.0/8')).toEqual({ network: '10.0.0.0', prefix: 8 });
    expect(parseAllowedHost('fd00::/8')).toEqual({ network: 'fd00::', prefix: 8 });
    expect(parseAllowedHost('MinIO.Internal.')).toEqual({ host: 'minio.internal' });
    for (const bad of ['10.0.0.0/33', '::1/129', '10.0.0.0/x', 'http://x', '*', '', 'a b', 'host/8']) {
      expect(parseAllowedHost(bad), bad).toBeNull();
    }
  });

  test('a bad entry stops the guard from being made', () => {
    expect(() => createOutboundGuard({ allowedHosts: ['*.internal'] })).toThrow(TypeError);
  });
});

/** An https server on 127.0.0.1 that counts the TCP connections it accepts. */
let ca: TestCa;
let server: https.Server;
let connections = 0;
let port: number;
const requests: { method: string; url: string; body: string; headers: Record<string, unknown> }[] = [];

beforeAll(async () => {
  ca = createTestCa();
  server = https.createServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
      if (req.url === '/redirect') res.writeHead(302, { location: `https://127.0.0.1:${port}/landed` }).end();
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 2_000);
      else res.writeHead(204).end();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  ca.remove();
});

const post = (guard: ReturnType<typeof createOutboundGuard>, url: string, timeoutMs?: number) =>
  guard.post({ url, headers: { 'content-type': 'application/json' }, body: '{"ok":true}', ...(timeoutMs && { timeoutMs }) });

describe('the guard in front of a real https server on loopback', () => {
  test('by default loopback is refused, by address and by name, with no connection made', async () => {
    const guard = createOutboundGuard({ extraCa: ca.caPem });
    const before = connections;
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
      await expect(post(guard, `https://${host}:${port}/hook`)).rejects.toBeInstanceOf(EndpointNotAllowedError);
    }
    expect(connections).toBe(before);
  });

  test('the cloud metadata address is refused before any socket (no timeout, no connect)', async () => {
    const guard = createOutboundGuard();
    const started = Date.now();
    await expect(post(guard, 'https://169.254.169.254/latest/meta-data/')).rejects.toMatchObject({ code: 'ENDPOINT_NOT_ALLOWED' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('https only: http and non-URLs are refused', async () => {
    const guard = createOutboundGuard({ allowedHosts: ['127.0.0.1'] });
    await expect(post(guard, `http://127.0.0.1:${port}/hook`)).rejects.toBeInstanceOf(EndpointNotAllowedError);
    await expect(post(guard, 'not a url')).rejects.toBeInstanceOf(EndpointNotAllowedError);
  });

  test('an allow-listed address, range or name is reached, and the body arrives', async () => {
    for (const allowedHosts of [['127.0.0.1'], ['127.0.0.0/8'], ['localhost', '::1']]) {
      const guard = createOutboundGuard({ allowedHosts, extraCa: ca.caPem });
      const host = allowedHosts[0] === 'localhost' ? 'localhost' : '127.0.0.1';
      await expect(post(guard, `https://${host}:${port}/hook`)).resolves.toEqual({ status: 204 });
      expect(requests.at(-1)).toMatchObject({ method: 'POST', url: '/hook', body: '{"ok":true}' });
    }
  });

  test('a range that does not cover the address still refuses it', async () => {
    const guard = createOutboundGuard({ allowedHosts: ['10.0.0.0/8'], extraCa: ca.caPem });
    await expect(post(guard, `https://127.0.0.1:${port}/hook`)).rejects.toBeInstanceOf(EndpointNotAllowedError);
  });

  test('without the extra CA the test server’s certificate is not trusted', async () => {
    const guard = createOutboundGuard({ allowedHosts: ['127.0.0.1'] });
    await expect(post(guard, `https://127.0.0.1:${port}/hook`)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  test('a redirect is an answer, never followed', async () => {
    const guard = createOutboundGuard({ allowedHosts: ['127.0.0.1'], extraCa: ca.caPem });
    const before = requests.length;
    await expect(post(guard, `https://127.0.0.1:${port}/redirect`)).resolves.toEqual({ status: 302 });
    expect(requests.slice(before).map((r) => r.url)).toEqual(['/redirect']);
  });

  test('the whole request has a budget', async () => {
    const guard = createOutboundGuard({ allowedHosts: ['127.0.0.1'], extraCa: ca.caPem });
    const started = Date.now();
    await expect(post(guard, `https://127.0.0.1:${port}/slow`, 300)).rejects.toBeInstanceOf(OutboundTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  test('checkEndpoint (for clients that take no agent) resolves and refuses the same hosts, without connecting', async () => {
    const before = connections;
    const guard = createOutboundGuard();
    for (const url of [
      `https://localhost:${port}/`,
      `https://127.0.0.1:${port}/`,
      'https://[::1]/',
      'https://169.254.169.254/',
      'http://example.com/',
    ]) {
      await expect(guard.checkEndpoint(url), url).rejects.toBeInstanceOf(EndpointNotAllowedError);
    }
    const allowed = createOutboundGuard({ allowedHosts: ['localhost'] });
    await expect(allowed.checkEndpoint(`https://localhost:${port}/x`)).resolves.toMatchObject({ hostname: 'localhost' });
    expect(connections).toBe(before);
  });

  test('the agent form serves node:https (as the SDKs use it) under the same rules', async () => {
    const guard = createOutboundGuard({ extraCa: ca.caPem });
    const agent = guard.createAgent();
    const before = connections;
    const outcome = await new Promise<unknown>((resolve) => {
      https.get(`https://localhost:${port}/sdk`, { agent }, () => resolve('answered')).on('error', resolve);
    });
    agent.destroy();
    expect(outcome).toBeInstanceOf(EndpointNotAllowedError);
    expect(connections).toBe(before);
  });
});
