import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { killServers, spawnServer } from '../helpers/server-process.ts';
import { S3RVER_ACCESS_KEY_ID, startS3rver, type S3rverHandle } from '../helpers/storage-servers.ts';
import { createTestCa } from '../helpers/test-ca.ts';

/**
 * The outbound settings of a real server process: CLOAKROOM_OUTBOUND_CA_FILE and
 * CLOAKROOM_OUTBOUND_ALLOWED_HOSTS reach the guard its verifications go through. One embedded
 * DATA_DIR, started twice: with both settings a verification against s3rver (HTTPS, this file's CA)
 * passes; without them the same location is refused before any connection.
 */
const ca = createTestCa();
const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-verify-process-'));
let s3: S3rverHandle;

beforeAll(async () => {
  s3 = await startS3rver(ca, ['process-bucket']);
});
afterEach(killServers);
afterAll(async () => {
  await s3?.close();
  ca.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

async function graphqlCall(url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, Record<string, unknown>>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

const VERIFY = `mutation($id: ID!) { verifyLocation(input: { id: $id }) { __typename ... on VerifyLocationSuccess { verification { status checks { check ok errorCode } } } } }`;

let locationId: string;

test('with CLOAKROOM_OUTBOUND_CA_FILE and CLOAKROOM_OUTBOUND_ALLOWED_HOSTS, a verification against s3rver over HTTPS passes', async () => {
  const server = spawnServer({
    DATA_DIR: dataDir,
    CLOAKROOM_OUTBOUND_CA_FILE: ca.caFile,
    CLOAKROOM_OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  });
  const [url] = await Promise.all([server.listening(), server.waitForLine(/dev-token/)]);
  const token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
  const viewer = await graphqlCall(url, token, '{ viewer { memberships { team { id } } } }');
  const teamId = (viewer.viewer as { memberships: { team: { id: string } }[] }).memberships[0]!.team.id;
  const secret = await graphqlCall(
    url,
    token,
    'mutation($input: CreateSecretInput!) { createSecret(input: $input) { ... on CreateSecretSuccess { secret { id } } } }',
    {
      input: {
        teamId,
        name: 'process-s3rver',
        secretType: 'S3_COMPATIBLE',
        credentials: { accessKey: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: 'process-secret-key' } },
      },
    },
  );
  const secretId = (secret.createSecret as { secret: { id: string } }).secret.id;
  const location = await graphqlCall(
    url,
    token,
    'mutation($input: CreateLocationInput!) { createLocation(input: $input) { ... on CreateLocationSuccess { location { id } } } }',
    {
      input: {
        teamId,
        name: 'process-bucket',
        locationType: 'S3_COMPATIBLE',
        secretId,
        bucketName: 'process-bucket',
        endpointUrl: s3.endpoint,
      },
    },
  );
  locationId = (location.createLocation as { location: { id: string } }).location.id;
  const verified = await graphqlCall(url, token, VERIFY, { id: locationId });
  expect(verified.verifyLocation).toEqual({
    __typename: 'VerifyLocationSuccess',
    verification: {
      status: 'PASSED',
      checks: ['LIST', 'WRITE', 'READ', 'DELETE'].map((check) => ({ check, ok: true, errorCode: null })),
    },
  });
  // The secret key never reaches the server's log.
  expect(server.stdout.join('\n')).not.toContain('process-secret-key');
  await server.stop();
});

test('without them, the same location is refused (loopback is not public) before any connection', async () => {
  const server = spawnServer({ DATA_DIR: dataDir });
  const url = await server.listening();
  const token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
  const verified = await graphqlCall(url, token, VERIFY, { id: locationId });
  expect(verified.verifyLocation).toEqual({
    __typename: 'VerifyLocationSuccess',
    verification: { status: 'FAILED', checks: [{ check: 'LIST', ok: false, errorCode: 'ENDPOINT_NOT_ALLOWED' }] },
  });
  await server.stop();
});

test('a malformed CLOAKROOM_OUTBOUND_ALLOWED_HOSTS stops the start with a message naming the entry', async () => {
  const server = spawnServer({ DATA_DIR: dataDir, CLOAKROOM_OUTBOUND_ALLOWED_HOSTS: '127.0.0.1,*.internal' });
  const exit = await server.exited;
  expect(exit.code).not.toBe(0);
  expect(server.stderr.join('\n')).toContain('CLOAKROOM_OUTBOUND_ALLOWED_HOSTS: "*.internal"');
});
