import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOutboundGuard } from '../../src/modules/outbound/outbound-guard.ts';
import type { SecretCredentialsInput } from '../gql/graphql.ts';
import { executeOk } from '../helpers/app.ts';
import { VerifyLocation } from '../helpers/documents.ts';
import { createS3Location, createS3Secret, useTestApp } from '../helpers/fixtures.ts';
import { registerPlaintext } from '../helpers/harness-checks.ts';
import { AZURITE_ACCOUNT, startAzurite, type AzuriteHandle } from '../helpers/storage-servers.ts';
import { createTestCa } from '../helpers/test-ca.ts';

/**
 * verifyLocation against Azurite (Microsoft's Azure Storage emulator), which checks signatures and
 * SAS permissions and expiry as Azure does, over HTTPS with this file's CA. The account's blob
 * endpoint is the location's `endpointUrl` (on Azure it follows from the account name).
 */
const ca = createTestCa();
const { t, team } = useTestApp({ outbound: createOutboundGuard({ allowedHosts: ['127.0.0.1'], extraCa: ca.caPem }) });

const CONTAINER = 'verified';
let azurite: AzuriteHandle;
const sharedKey = new StorageSharedKeyCredential(AZURITE_ACCOUNT.name, AZURITE_ACCOUNT.key);
registerPlaintext(AZURITE_ACCOUNT.key);

/** A SAS URL for the container, signed with the account key: `permissions` for `hours` from now (negative: already expired). */
function sasUrl(permissions: string, hours: number): string {
  const now = Date.now();
  const sas = generateBlobSASQueryParameters(
    {
      containerName: CONTAINER,
      permissions: ContainerSASPermissions.parse(permissions),
      startsOn: new Date(now - 2 * 3_600_000 + Math.min(hours, 0) * 3_600_000),
      expiresOn: new Date(now + hours * 3_600_000),
      protocol: SASProtocol.Https,
    },
    sharedKey,
  ).toString();
  const url = `${azurite.endpoint}/${CONTAINER}?${sas}`;
  // The whole URL and its signature alone: neither may appear in a response, a log line or a row.
  registerPlaintext(url);
  registerPlaintext(new URL(url).searchParams.get('sig')!);
  return url;
}

beforeAll(async () => {
  azurite = await startAzurite(ca);
  // The container, made with the SDK directly (trusting this file's CA).
  const agent = new https.Agent({ ca: ca.caPem });
  const service = new BlobServiceClient(azurite.endpoint, sharedKey, { agent, retryOptions: { maxTries: 1 } } as StoragePipelineOptions);
  await service.getContainerClient(CONTAINER).create();
  agent.destroy();
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
  ca.remove();
});

async function verify(
  credentials: SecretCredentialsInput,
  mode: 'READ_WRITE' | 'READ_ONLY' = 'READ_WRITE',
  container = CONTAINER,
  endpointUrl = azurite.endpoint,
) {
  const secret = await createS3Secret(t.app, team, {
    secretType: 'AZURE_BLOB',
    authMethod: credentials.azureSasUrl ? 'AZURE_SAS_URL' : 'AZURE_ACCOUNT_KEY',
    credentials,
  });
  const location = await createS3Location(t.app, team, secret.id, { locationType: 'AZURE_BLOB', bucketName: container, endpointUrl });
  const result = (await executeOk(t.app, VerifyLocation, { input: { id: location.id, mode } }, team.ownerToken)).verifyLocation;
  if (result.__typename !== 'VerifyLocationSuccess') throw new Error(JSON.stringify(result));
  return {
    status: result.verification.status,
    checks: result.verification.checks.map((c) => (c.ok ? c.check : `${c.check}:${c.errorCode}`)),
    messages: result.verification.checks.map((c) => c.message).filter(Boolean),
  };
}

const accountKey = (key: string): SecretCredentialsInput => ({ azureAccountKey: { accountName: AZURITE_ACCOUNT.name, accountKey: key } });

describe('Azure Blob Storage with an account key (Azurite over HTTPS)', () => {
  test('the right key passes LIST, WRITE, READ, DELETE', async () => {
    expect(await verify(accountKey(AZURITE_ACCOUNT.key))).toEqual({
      status: 'PASSED',
      checks: ['LIST', 'WRITE', 'READ', 'DELETE'],
      messages: [],
    });
  });

  test('a wrong key (well-formed, Azurite checks the signature) → INVALID_CREDENTIALS', async () => {
    const wrong = randomBytes(64).toString('base64');
    registerPlaintext(wrong);
    const result = await verify(accountKey(wrong));
    expect(result).toMatchObject({ status: 'FAILED', checks: ['LIST:INVALID_CREDENTIALS'] });
    expect(result.messages[0]).toMatch(/\(HTTP 403\)$/);
  });

  test('a container that does not exist → BUCKET_NOT_FOUND', async () => {
    expect(await verify(accountKey(AZURITE_ACCOUNT.key), 'READ_WRITE', 'no-such-container')).toMatchObject({
      checks: ['LIST:BUCKET_NOT_FOUND'],
    });
  });
});

describe('the outbound guard in front of the Azure SDK', () => {
  test('an account endpoint on a loopback address not allowed → ENDPOINT_NOT_ALLOWED', async () => {
    const notAllowed = azurite.endpoint.replace('127.0.0.1', '127.0.0.2');
    expect(await verify(accountKey(AZURITE_ACCOUNT.key), 'READ_ONLY', CONTAINER, notAllowed)).toMatchObject({
      checks: ['LIST:ENDPOINT_NOT_ALLOWED'],
    });
  });
});

describe('Azure Blob Storage with a SAS URL (Azurite over HTTPS)', () => {
  test('a read-write SAS passes READ_WRITE', async () => {
    expect(await verify({ azureSasUrl: { sasUrl: sasUrl('racwdl', 1) } })).toMatchObject({
      status: 'PASSED',
      checks: ['LIST', 'WRITE', 'READ', 'DELETE'],
    });
  });

  test('a read-only SAS passes READ_ONLY and fails READ_WRITE at WRITE with ACCESS_DENIED', async () => {
    const readOnly = sasUrl('rl', 1);
    expect(await verify({ azureSasUrl: { sasUrl: readOnly } }, 'READ_ONLY')).toEqual({ status: 'PASSED', checks: ['LIST'], messages: [] });
    expect(await verify({ azureSasUrl: { sasUrl: readOnly } })).toMatchObject({
      status: 'FAILED',
      checks: ['LIST', 'WRITE:ACCESS_DENIED'],
    });
  });

  test('an expired SAS → INVALID_CREDENTIALS', async () => {
    expect(await verify({ azureSasUrl: { sasUrl: sasUrl('racwdl', -1) } }, 'READ_ONLY')).toMatchObject({
      status: 'FAILED',
      checks: ['LIST:INVALID_CREDENTIALS'],
    });
  });
});
