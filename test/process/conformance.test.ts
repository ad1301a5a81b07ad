import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { useTestApp } from '../helpers/fixtures.ts';
import { listen } from '../helpers/sse.ts';

const { t, team } = useTestApp();
let served: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  served = await listen(t.app);
});
afterAll(() => served?.close());

test('every GraphQL-over-HTTP audit of graphql-http passes over a real socket', async () => {
  // The API answers 401 to anything without a token, so each audit request carries a real one.
  const fetchFn: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${team.ownerToken}`);
    return fetch(input, { ...init, headers });
  };
  const results = await auditServer({ url: served.url, fetchFn });
  expect(results.length).toBeGreaterThan(50);
  const failures = results.flatMap((result) =>
    result.status === 'ok' ? [] : [`${result.status} ${result.id} ${result.name}: ${result.reason}`],
  );
  expect(failures).toEqual([]);
});
