import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.ts';
import { useTestApp } from '../helpers/fixtures.ts';

/** The manifest `npm run codegen` writes from the documents of this test suite. */
const manifestPath = new URL('../gql/persisted-documents.json', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;

const { t, team } = useTestApp({ persistedOperations: manifest });

const send = async (body: unknown) => {
  const res = await t.app.fetch('http://cloakroom.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${team.ownerToken}` },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] },
  };
};

const hashOf = (operationName: string) => {
  const entry = Object.entries(manifest).find(
    ([, document]) => document.includes(`query ${operationName}(`) || document.includes(`query ${operationName} `),
  );
  if (!entry) throw new Error(`${operationName} is not in the manifest`);
  return entry[0];
};

test('an operation of the manifest runs by its hash (with or without the sha256: prefix)', async () => {
  const hash = hashOf('ViewerIdentity');
  for (const sha256Hash of [hash, hash.replace(/^sha256:/, '')]) {
    const res = await send({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({ viewer: { email: team.ownerEmail } });
  }
});

test('any other document is refused before it runs', async () => {
  const arbitrary = await send({ query: '{ viewer { id } }' });
  expect(arbitrary.status).toBe(400);
  expect(arbitrary.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
  const unknown = await send({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
  expect(unknown.status).toBe(400);
  expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
});

test('CLOAKROOM_PERSISTED_OPERATIONS loads the manifest, and a broken one stops the start with a clear message', () => {
  expect(loadConfig({ CLOAKROOM_PERSISTED_OPERATIONS: manifestPath }).persistedOperations).toEqual(manifest);
  expect(() => loadConfig({ CLOAKROOM_PERSISTED_OPERATIONS: '/nonexistent/manifest.json' })).toThrow(ConfigError);
  expect(() => loadConfig({})).not.toThrow();
});
