import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTeamWithOwner, startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let server: Server;
let url: string;
let token: string;

beforeAll(async () => {
  t = await startTestApp();
  token = (await createTeamWithOwner(t.db)).ownerToken;
  // Yoga answers its own failures (a 500): its promise is not awaited.
  server = createServer((req, res) => void t.app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

test('every GraphQL-over-HTTP audit of graphql-http passes over a real socket', async () => {
  // The API answers 401 to anything without a token, so each audit request carries a real one.
  const fetchFn: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const results = await auditServer({ url, fetchFn });
  expect(results.length).toBeGreaterThan(50);
  const failures = results.flatMap((result) =>
    result.status === 'ok' ? [] : [`${result.status} ${result.id} ${result.name}: ${result.reason}`],
  );
  expect(failures).toEqual([]);
});
