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
  ({ ownerToken: token } = await createTeamWithOwner(t.db));
  server = createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

test('the GraphQL-over-HTTP audits of graphql-http all pass over a real socket', async () => {
  // Every audit request carries a real token: without one the API answers 401 to everything.
  const fetchFn: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const results = await auditServer({ url, fetchFn });
  const failures = await Promise.all(
    results.filter((result) => result.status !== 'ok').map(async (result) => ({ id: result.id, name: result.name, status: result.status, reason: 'reason' in result ? result.reason : '', body: 'response' in result ? await result.response.text() : '' })),
  );
  console.log(results.length, JSON.stringify(failures, null, 2));
  expect(failures).toEqual([]);
});
