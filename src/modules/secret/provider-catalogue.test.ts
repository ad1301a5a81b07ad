import { describe, expect, it } from 'vitest';
import { isVaultType, VAULT_TYPES } from './field-mapping-references.ts';
import {
  AUTH_METHODS,
  authMethodsFor,
  CREDENTIALS_INPUT_MEMBERS,
  credentialFieldsFor,
  credentialsMemberFor,
  defaultAuthMethod,
  endpointFor,
  PROVIDERS,
  signingRegionFor,
  isAuthMethod,
  isAuthMethodValidFor,
  isSecretType,
  S3_STYLE_SECRET_TYPES,
  SECRET_TYPES,
  secretTypeOf,
  type AuthMethod,
  type CredentialsInputMember,
} from './provider-catalogue.ts';

describe('secret types and auth methods', () => {
  it('lists the 14 types and 15 methods of DESIGN §3', () => {
    expect(SECRET_TYPES).toHaveLength(14);
    expect(AUTH_METHODS).toHaveLength(15);
    expect(new Set(AUTH_METHODS).size).toBe(15);
  });

  it('gives every S3-style type exactly its own <TYPE>_ACCESS_KEY method', () => {
    for (const type of S3_STYLE_SECRET_TYPES) {
      expect(authMethodsFor(type)).toEqual([`${type}_ACCESS_KEY`]);
      expect(defaultAuthMethod(type)).toBe(`${type}_ACCESS_KEY`);
      expect(credentialsMemberFor(`${type}_ACCESS_KEY` as AuthMethod)).toBe('accessKey');
    }
  });

  it('maps the other types to their methods; Azure has two, so no default', () => {
    expect(authMethodsFor('AZURE_BLOB')).toEqual(['AZURE_ACCOUNT_KEY', 'AZURE_SAS_URL']);
    expect(defaultAuthMethod('AZURE_BLOB')).toBeNull();
    expect(defaultAuthMethod('GCS')).toBe('GCS_SERVICE_ACCOUNT');
    expect(defaultAuthMethod('B2')).toBe('B2_APPLICATION_KEY');
    expect(defaultAuthMethod('ENV')).toBe('ENV_VARS');
  });

  it('accepts a method for a type exactly when the method belongs to that type', () => {
    for (const type of SECRET_TYPES) {
      expect(authMethodsFor(type).length).toBeGreaterThan(0);
      for (const method of AUTH_METHODS) {
        expect(isAuthMethodValidFor(type, method)).toBe(secretTypeOf(method) === type);
      }
    }
    expect(isAuthMethodValidFor('S3', 'R2_ACCESS_KEY')).toBe(false);
    expect(isAuthMethodValidFor('AZURE_BLOB', 'AZURE_SAS_URL')).toBe(true);
  });

  it('has type guards for untyped values', () => {
    expect(isSecretType('GCS')).toBe(true);
    expect(isSecretType('gcs')).toBe(false);
    expect(isAuthMethod('ENV_VARS')).toBe(true);
    expect(isAuthMethod('S3')).toBe(false);
    expect(isVaultType('DOPPLER')).toBe(true);
    expect(isVaultType(undefined)).toBe(false);
    expect(VAULT_TYPES).toEqual(['ONEPASSWORD', 'DOPPLER', 'INFISICAL']);
  });
});

describe('credential fields', () => {
  const table = (method: AuthMethod) => credentialFieldsFor(method).map(({ name, inputField, envVar }) => [name, inputField, envVar]);

  it('gives every S3-style method the AWS access key pair', () => {
    for (const type of S3_STYLE_SECRET_TYPES) {
      expect(table(`${type}_ACCESS_KEY` as AuthMethod)).toEqual([
        ['access_key_id', 'accessKeyId', 'AWS_ACCESS_KEY_ID'],
        ['secret_access_key', 'secretAccessKey', 'AWS_SECRET_ACCESS_KEY'],
      ]);
    }
  });

  it('names the Azure, GCS, B2 and ENV fields', () => {
    expect(table('AZURE_ACCOUNT_KEY')).toEqual([
      ['account_name', 'accountName', 'AZURE_STORAGE_ACCOUNT'],
      ['account_key', 'accountKey', 'AZURE_STORAGE_KEY'],
    ]);
    expect(table('AZURE_SAS_URL')).toEqual([['sas_url', 'sasUrl', 'AZURE_STORAGE_SAS_URL']]);
    expect(table('GCS_SERVICE_ACCOUNT')).toEqual([['service_account_json', 'serviceAccountJson', 'GOOGLE_APPLICATION_CREDENTIALS_JSON']]);
    expect(table('B2_APPLICATION_KEY')).toEqual([
      ['application_key_id', 'applicationKeyId', 'B2_APPLICATION_KEY_ID'],
      ['application_key', 'applicationKey', 'B2_APPLICATION_KEY'],
    ]);
    expect(table('ENV_VARS')).toEqual([]);
  });

  it.each<[AuthMethod, CredentialsInputMember]>([
    ['AZURE_ACCOUNT_KEY', 'azureAccountKey'],
    ['AZURE_SAS_URL', 'azureSasUrl'],
    ['GCS_SERVICE_ACCOUNT', 'gcsServiceAccount'],
    ['B2_APPLICATION_KEY', 'b2ApplicationKey'],
    ['ENV_VARS', 'envVars'],
  ])('maps %s to its @oneOf member %s', (method, member) => {
    expect(credentialsMemberFor(method)).toBe(member);
  });

  it('maps the methods onto every @oneOf member', () => {
    expect(new Set(AUTH_METHODS.map(credentialsMemberFor))).toEqual(new Set(CREDENTIALS_INPUT_MEMBERS));
  });

  it('exposes descriptors only (no rules), frozen', () => {
    const [field] = credentialFieldsFor('S3_ACCESS_KEY');
    expect(Object.keys(field!).sort()).toEqual(['description', 'envVar', 'inputField', 'name']);
    expect(Object.isFrozen(field)).toBe(true);
    expect(Object.isFrozen(credentialFieldsFor('S3_ACCESS_KEY'))).toBe(true);
  });
});

describe('endpoints (DESIGN §6.2)', () => {
  it('derives region-based endpoints, with the provider default when the location has no region', () => {
    expect(endpointFor('S3', { region: 'eu-west-1' })).toBe('https://s3.eu-west-1.amazonaws.com');
    expect(endpointFor('S3', {})).toBe('https://s3.us-east-1.amazonaws.com');
    expect(endpointFor('WASABI', { region: 'eu-central-1' })).toBe('https://s3.eu-central-1.wasabisys.com');
    expect(endpointFor('DIGITALOCEAN_SPACES', { region: 'fra1' })).toBe('https://fra1.digitaloceanspaces.com');
    expect(endpointFor('HETZNER', { region: 'fsn1' })).toBe('https://fsn1.your-objectstorage.com');
    expect(endpointFor('B2', { region: 'us-west-004' })).toBe('https://s3.us-west-004.backblazeb2.com');
  });

  it('needs a region where the provider has no default', () => {
    for (const type of ['DIGITALOCEAN_SPACES', 'HETZNER', 'B2'] as const) expect(endpointFor(type, { region: null })).toBeNull();
  });

  it('needs the endpointUrl where the host names the account (R2, Oracle, S3_COMPATIBLE, Rabata)', () => {
    for (const type of ['R2', 'ORACLE_OBJECT_STORAGE_S3', 'S3_COMPATIBLE', 'RABATA'] as const) {
      expect(endpointFor(type, { region: 'auto' })).toBeNull();
      expect(endpointFor(type, { endpointUrl: 'https://acct.example.com' })).toBe('https://acct.example.com');
    }
  });

  it('uses the fixed hosts of GCS, Tigris and Railway, and a template for Azure', () => {
    expect(endpointFor('GCS', { region: 'europe-west1' })).toBe('https://storage.googleapis.com');
    expect(endpointFor('TIGRIS', {})).toBe('https://fly.storage.tigris.dev');
    expect(endpointFor('RAILWAY', {})).toBe('https://storage.railway.app');
    expect(endpointFor('AZURE_BLOB', { region: 'westeurope' })).toBe('https://{account_name}.blob.core.windows.net');
  });

  it("lets a location's endpointUrl win, and gives ENV none", () => {
    expect(endpointFor('S3', { region: 'eu-west-1', endpointUrl: 'https://s3.internal.example' })).toBe('https://s3.internal.example');
    expect(endpointFor('ENV', { endpointUrl: 'https://x.example' })).toBeNull();
  });

  it('fills Azure’s endpoint from the opened credentials (verification): the account name, or the SAS URL’s own host', () => {
    const accountKey = new Map([
      ['account_name', 'acme'],
      ['account_key', 'k'],
    ]);
    expect(endpointFor('AZURE_BLOB', {}, accountKey)).toBe('https://acme.blob.core.windows.net');
    const sas = new Map([['sas_url', 'https://acme.blob.core.windows.net/container/?sv=2024&sig=abc']]);
    expect(endpointFor('AZURE_BLOB', {}, sas)).toBe('https://acme.blob.core.windows.net/container');
    expect(endpointFor('AZURE_BLOB', {}, new Map())).toBeNull();
    // Azurite, or a private endpoint: the location's endpointUrl still wins.
    expect(endpointFor('AZURE_BLOB', { endpointUrl: 'https://127.0.0.1:10000/devstoreaccount1' }, accountKey)).toBe(
      'https://127.0.0.1:10000/devstoreaccount1',
    );
  });

  it('signs S3 requests for the location’s region, else the provider’s default, else us-east-1', () => {
    expect(signingRegionFor('S3', { region: 'eu-west-1' })).toBe('eu-west-1');
    expect(signingRegionFor('WASABI', {})).toBe('us-east-1');
    expect(signingRegionFor('R2', { endpointUrl: 'https://a.r2.cloudflarestorage.com' })).toBe('us-east-1');
    expect(signingRegionFor('B2', { region: 'us-west-004' })).toBe('us-west-004');
  });

  it('names the official SDK of every storage type, none for ENV', () => {
    for (const type of SECRET_TYPES) {
      const expected = type === 'ENV' ? null : type === 'AZURE_BLOB' ? 'azure-blob' : type === 'GCS' ? 'gcs' : 's3';
      expect(PROVIDERS[type].storageClient, type).toBe(expected);
    }
  });

  it('answers an https endpoint for every storage type given a region and an endpointUrl', () => {
    for (const type of SECRET_TYPES.filter((t) => t !== 'ENV')) {
      expect(endpointFor(type, { region: 'r1' }) ?? endpointFor(type, { endpointUrl: 'https://e.example' }), type).toMatch(/^https:\/\//);
    }
  });
});
