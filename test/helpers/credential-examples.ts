/** Realistic, valid (and fake) credentials of each provider, for the unit tests of src/modules/secret. */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { FieldError } from '../../src/errors.ts';
import { AUTH_METHODS, type AuthMethod, type CredentialsInput } from '../../src/modules/secret/provider-catalogue.ts';
import { credentialsFor } from './fixtures.ts';

export const AWS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
export const R2 = { accessKeyId: randomBytes(16).toString('hex'), secretAccessKey: randomBytes(32).toString('hex') };
export const DO_SPACES = { accessKeyId: 'DO00QWERTYUIOPASDFGH', secretAccessKey: 'k2Jd9Fh3Lz0pQm4Xv7Tb1Nc8Rw5Ys6Ua2Ie3Oo4Pp5E' };
export const TIGRIS = { accessKeyId: 'tid_AbCdEfGhIjKlMnOpQrStUvWxYz', secretAccessKey: 'tsec_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd' };
export const ORACLE = { accessKeyId: randomBytes(20).toString('hex'), secretAccessKey: randomBytes(32).toString('base64') };
export const MINIO = { accessKeyId: 'minioadmin', secretAccessKey: 'minioadmin' };
export const AZURE_KEY = { accountName: 'mystorageacct01', accountKey: randomBytes(64).toString('base64') };
export const SAS_URL = 'https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=abc%3D';
export const FAKE_PEM =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n';
export const serviceAccount = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify(
    {
      type: 'service_account',
      project_id: 'my-project-123',
      private_key_id: 'a1b2c3d4e5f6',
      private_key: FAKE_PEM,
      client_email: 'loader@my-project-123.iam.gserviceaccount.com',
      client_id: '123456789012345678901',
      token_uri: 'https://oauth2.googleapis.com/token',
      ...overrides,
    },
    null,
    2,
  );
export const B2 = { applicationKeyId: '0012ab34cd56ef0000000001', applicationKey: 'K001abcdefghijklmnopqrstuvwxyz0' };
export const ENV_PAIRS = [
  { key: 'DATABASE_URL', value: 'postgres://app:pw@db.internal:5432/app' },
  { key: 'OPENAI_API_KEY', value: 'sk-proj-abcdefghijklmnop789' },
  { key: '_PRIVATE_PEM', value: `${FAKE_PEM}` },
];

/**
 * Valid credentials for every auth method: a realistic example where one is written below,
 * otherwise generated from the catalogue's field list (a new provider needs none by hand).
 */
export const VALID: Record<AuthMethod, CredentialsInput> = {
  ...(Object.fromEntries(AUTH_METHODS.map((method) => [method, credentialsFor(method)])) as Record<AuthMethod, CredentialsInput>),
  S3_ACCESS_KEY: { accessKey: AWS },
  R2_ACCESS_KEY: { accessKey: R2 },
  WASABI_ACCESS_KEY: { accessKey: { accessKeyId: 'WSB0ABCDEFGHIJKLMNOP', secretAccessKey: 'abcdEFGHijklMNOPqrstUVWXyz0123456789+/ab' } },
  RAILWAY_ACCESS_KEY: { accessKey: TIGRIS },
  ORACLE_OBJECT_STORAGE_S3_ACCESS_KEY: { accessKey: ORACLE },
  S3_COMPATIBLE_ACCESS_KEY: { accessKey: MINIO },
  TIGRIS_ACCESS_KEY: { accessKey: TIGRIS },
  DIGITALOCEAN_SPACES_ACCESS_KEY: { accessKey: DO_SPACES },
  HETZNER_ACCESS_KEY: { accessKey: { accessKeyId: 'HZ1A2B3C4D5E6F7G8H9J', secretAccessKey: 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd' } },
  RABATA_ACCESS_KEY: { accessKey: AWS },
  AZURE_ACCOUNT_KEY: { azureAccountKey: AZURE_KEY },
  AZURE_SAS_URL: { azureSasUrl: { sasUrl: SAS_URL } },
  GCS_SERVICE_ACCOUNT: { gcsServiceAccount: { serviceAccountJson: serviceAccount() } },
  B2_APPLICATION_KEY: { b2ApplicationKey: B2 },
  ENV_VARS: { envVars: ENV_PAIRS },
};

/** The single error of a list. */
export const only = (errors: FieldError[]) => {
  expect(errors).toHaveLength(1);
  return errors[0]!;
};
