import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { schema } from '../../src/graphql/schema.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logger.ts';
import { createHttpServer } from '../../src/http/node-server.ts';
import { defaultDocument, EXAMPLE_MUTATION, graphiqlPageOptions } from '../../src/http/graphiql.ts';
import { createTeamWithOwner } from '../helpers/app.ts';
import { useApp } from '../helpers/fixtures.ts';
import { testDatabaseUrl } from '../helpers/database.ts';

const t = useApp();

const page = (acceptEncoding?: string) =>
  t.app.fetch('http://cloakroom.test/graphql', {
    headers: { accept: 'text/html', ...(acceptEncoding && { 'accept-encoding': acceptEncoding }) },
  });

test('GraphiQL (~9 MB, every asset inlined) is served gzipped to clients that accept it', async () => {
  const plain = await page();
  const html = await plain.text();
  expect(plain.headers.get('content-encoding')).toBeNull();
  expect(html.length).toBeGreaterThan(1_000_000);

  const compressed = await page('gzip, deflate, br');
  expect(compressed.headers.get('content-encoding')).toBe('gzip');
  expect(compressed.headers.get('vary')).toMatch(/Accept-Encoding/i);
  const body = Buffer.from(await compressed.arrayBuffer());
  expect(body.length).toBeLessThan(html.length / 3);
  expect(gunzipSync(body).toString('utf8')).toBe(html);
});

test('API responses are not compressed (and need no decompression of request bodies)', async () => {
  const res = await t.app.fetch('http://cloakroom.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
    body: '{"query":"{ __typename }"}',
  });
  expect(res.headers.get('content-encoding')).toBeNull();
});

describe('the default document', () => {
  test('is on the page, and runs as it is: the viewer, their teams and secrets, no error', async () => {
    const html = await (await page()).text();
    expect(html.includes(JSON.stringify(defaultDocument(false)))).toBe(true);

    const team = await createTeamWithOwner(t.db);
    const response = await t.app.fetch('http://cloakroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${team.ownerToken}` },
      body: JSON.stringify({ query: defaultDocument(true), operationName: 'Overview' }),
    });
    const body = (await response.json()) as {
      data?: { viewer: { memberships: { team: { id: string; secrets: { edges: unknown[] } } }[] } };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    expect(body.data!.viewer.memberships.map((membership) => membership.team.id)).toEqual([team.teamId]);
  });

  test('validates against the schema with either hint, and so does its commented-out mutation once uncommented', () => {
    for (const prefilled of [true, false]) expect(validate(schema, parse(defaultDocument(prefilled)))).toEqual([]);
    expect(defaultDocument(false)).toContain(EXAMPLE_MUTATION.replace(/^/gm, '# '));
    expect(validate(schema, parse(EXAMPLE_MUTATION))).toEqual([]);
  });
});

/**
 * Pages fetched over real sockets, as src/server.ts serves them, from a server configured by
 * `loadConfig` (so its mode comes from the same variables as in production), its DATA_DIR
 * holding a dev token. Only a loopback peer asking for a local name may see the token.
 */
describe('the dev token on the page', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-graphiql-page-'));
  const devToken = `crm_${randomBytes(24).toString('hex')}`;
  const servers: Server[] = [];
  // A non-loopback address of this machine: connecting to it from here, the server sees it as the peer.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && !address.internal && address.family === 'IPv4')?.address;

  /** What a page holds, in a few flags: a failing `toContain` would print all 9 MB of it. */
  const shown = (html: string) => ({
    graphiql: html.includes('renderYogaGraphiQL'),
    token: html.includes(devToken),
    prefilled: html.includes(JSON.stringify(JSON.stringify({ Authorization: `Bearer ${devToken}` }, null, 2))),
    template: html.includes('Bearer <your API token>'),
    tokenHint: html.includes('holds the development token')
      ? 'prefilled'
      : html.includes('npm run --silent cli -- token')
        ? 'template'
        : null,
  });
  const TEMPLATE = { graphiql: true, token: false, prefilled: false, template: true, tokenHint: 'template' };

  beforeAll(() => writeFileSync(join(dataDir, 'dev-token'), `${devToken}\n`));
  afterAll(() => {
    for (const server of servers) server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** An app configured from `env` (on the file's database: pages need none of their own), listening on `host`. */
  async function serve(env: Record<string, string>, host = '127.0.0.1'): Promise<number> {
    const config = loadConfig({ DATA_DIR: dataDir, ...env });
    const app = createApp({
      db: t.db,
      keyring: t.keyring,
      logger: createLogger('silent'),
      production: config.production,
      graphiql: graphiqlPageOptions(config),
    });
    // Yoga answers its own failures (a 500): its promise is not awaited.
    const server = createHttpServer((req, res) => void app(req, res));
    servers.push(server);
    server.listen(0, host);
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  test('embedded development mode, loopback peer, local Host: the token is pre-filled, with its hint', async () => {
    const port = await serve({});
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      expect(shown(await getPage('127.0.0.1', port, { host }))).toEqual({
        graphiql: true,
        token: true,
        prefilled: true,
        template: false,
        tokenHint: 'prefilled',
      });
    }
  });

  test('embedded development mode, but a Host that is not a local name (DNS rebinding) or a proxy in between: a template', async () => {
    const port = await serve({});
    for (const headers of [
      { host: `attacker.example:${port}` },
      { host: `localhost.attacker.example:${port}` },
      { host: `127.0.0.1.nip.io:${port}` },
      { host: `localhost:${port}`, 'x-forwarded-for': '203.0.113.9' },
      { host: `localhost:${port}`, forwarded: 'for=203.0.113.9' },
      { host: `localhost:${port}`, via: '1.1 proxy' },
    ]) {
      expect(shown(await getPage('127.0.0.1', port, headers))).toEqual(TEMPLATE);
    }
  });

  test('embedded development mode, a peer that is not loopback, even asking for localhost: a template', async () => {
    if (!external) throw new Error('this machine has no non-loopback IPv4 address to connect from');
    const port = await serve({}, external);
    expect(shown(await getPage(external, port, { host: `localhost:${port}` }))).toEqual(TEMPLATE);
  });

  test('with DATABASE_URL: never the token, though the file is there', async () => {
    const port = await serve({ DATABASE_URL: testDatabaseUrl ?? 'postgres://root@127.0.0.1:5432/postgres' });
    expect(shown(await getPage('127.0.0.1', port, { host: `localhost:${port}` }))).toEqual(TEMPLATE);
  });

  test('in production mode: no GraphiQL, no token', async () => {
    const port = await serve({ NODE_ENV: 'production' });
    expect(shown(await getPage('127.0.0.1', port, { host: `localhost:${port}` }))).toEqual({
      graphiql: false,
      token: false,
      prefilled: false,
      template: false,
      tokenHint: null,
    });
  });
});

/** GET /graphql as a browser asks for the page, over a socket to `address`, with these headers. */
async function getPage(address: string, port: number, headers: IncomingHttpHeaders): Promise<string> {
  const req = request({ host: address, port, path: '/graphql', headers: { accept: 'text/html', ...headers } });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
