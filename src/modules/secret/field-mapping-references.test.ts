import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { only } from '../../../test/helpers/credential-examples.ts';
import { isValidVaultReference, validateFieldMappings, type FieldMappingInput, type VaultType } from './field-mapping-references.ts';
import { AUTH_METHODS, credentialFieldsFor, SECRET_TYPES, supportsExternalVault } from './provider-catalogue.ts';

describe('vault references', () => {
  it.each<[VaultType, string, boolean]>([
    ['ONEPASSWORD', 'op://DevOps/AWS-Prod/access_key_id', true],
    ['ONEPASSWORD', 'op://DevOps/AWS Prod/credentials/secret access key', true],
    ['ONEPASSWORD', 'op://DevOps/AWS-Prod', false],
    ['ONEPASSWORD', 'op://DevOps//access_key_id', false],
    ['ONEPASSWORD', 'op://DevOps/AWS-Prod/a/b/c', false],
    ['ONEPASSWORD', 'op://DevOps/ AWS-Prod/access_key_id', false],
    ['ONEPASSWORD', 'op://DevOps/AWS-Prod/access_key_id ', false],
    ['ONEPASSWORD', 'https://DevOps/AWS-Prod/access_key_id', false],
    ['ONEPASSWORD', 'op://DevOps/AWS-Prod/\tfield', false],
    ['DOPPLER', 'AWS_ACCESS_KEY_ID', true],
    ['DOPPLER', '_X', true],
    ['DOPPLER', 'aws_access_key_id', false],
    ['DOPPLER', '1KEY', false],
    ['DOPPLER', '/prod/AWS_ACCESS_KEY_ID', false],
    ['INFISICAL', 'AWS_ACCESS_KEY_ID', true],
    ['INFISICAL', '/AWS_ACCESS_KEY_ID', true],
    ['INFISICAL', '/a/b/NAME', true],
    ['INFISICAL', '/data-platform/prod.eu/AWS_SECRET_ACCESS_KEY', true],
    ['INFISICAL', '/a//NAME', false],
    ['INFISICAL', '/a/b/', false],
    ['INFISICAL', 'a/b/NAME', false],
    ['INFISICAL', '/a/b/name', false],
    ['INFISICAL', 'op://a/b/c', false],
  ])('%s %j → %s', (vaultType, reference, valid) => {
    expect(isValidVaultReference(vaultType, reference)).toBe(valid);
  });
});

describe('validateFieldMappings', () => {
  const s3Mappings: FieldMappingInput[] = [
    { fieldName: 'access_key_id', reference: 'op://DevOps/AWS-Prod/access_key_id' },
    { fieldName: 'secret_access_key', reference: 'op://DevOps/AWS-Prod/secret_access_key' },
  ];

  it('accepts a complete mapping for every vault type and every non-ENV method', () => {
    expect(validateFieldMappings('S3_ACCESS_KEY', 'ONEPASSWORD', s3Mappings)).toEqual([]);
    expect(
      validateFieldMappings('B2_APPLICATION_KEY', 'DOPPLER', [
        { fieldName: 'application_key', reference: 'B2_APPLICATION_KEY' },
        { fieldName: 'application_key_id', reference: 'B2_APPLICATION_KEY_ID' },
      ]),
    ).toEqual([]);
    expect(validateFieldMappings('AZURE_SAS_URL', 'INFISICAL', [{ fieldName: 'sas_url', reference: '/storage/AZURE_SAS_URL' }])).toEqual(
      [],
    );
    for (const method of AUTH_METHODS.filter((m) => m !== 'ENV_VARS')) {
      const mappings = credentialFieldsFor(method).map((field) => ({ fieldName: field.name, reference: field.envVar }));
      expect(validateFieldMappings(method, 'DOPPLER', mappings)).toEqual([]);
    }
  });

  it('reports each unmapped field at fieldMappings, by name', () => {
    const errors = validateFieldMappings('S3_ACCESS_KEY', 'ONEPASSWORD', []);
    expect(errors.map((e) => [e.path, e.code])).toEqual([
      [['fieldMappings'], 'FIELD_NOT_MAPPED'],
      [['fieldMappings'], 'FIELD_NOT_MAPPED'],
    ]);
    expect(errors[0]!.message).toContain('access_key_id');
    expect(errors[1]!.message).toContain('secret_access_key');
    expect(only(validateFieldMappings('S3_ACCESS_KEY', 'ONEPASSWORD', s3Mappings.slice(1)))).toMatchObject({ code: 'FIELD_NOT_MAPPED' });
  });

  it('refuses a field mapped twice, at the repeat', () => {
    const error = only(validateFieldMappings('S3_ACCESS_KEY', 'ONEPASSWORD', [...s3Mappings, s3Mappings[0]!]));
    expect(error).toMatchObject({ path: ['fieldMappings', '2', 'fieldName'], code: 'DUPLICATE_FIELD' });
  });

  it("refuses unknown field names, including camelCase spellings and other methods' fields", () => {
    for (const fieldName of ['accessKeyId', 'account_key', 'AWS_ACCESS_KEY_ID']) {
      const errors = validateFieldMappings('S3_ACCESS_KEY', 'ONEPASSWORD', [...s3Mappings, { fieldName, reference: 'op://a/b/c' }]);
      expect(only(errors)).toMatchObject({ path: ['fieldMappings', '2', 'fieldName'], code: 'UNKNOWN_FIELD' });
      expect(errors[0]!.message).not.toContain(fieldName);
    }
    expect(
      only(
        validateFieldMappings('AZURE_SAS_URL', 'DOPPLER', [
          { fieldName: 'sas_url', reference: 'X' },
          { fieldName: '', reference: 'Y' },
        ]),
      ),
    ).toMatchObject({
      path: ['fieldMappings', '1', 'fieldName'],
      code: 'REQUIRED',
    });
  });

  it('refuses bad references at their index', () => {
    const errors = validateFieldMappings('S3_ACCESS_KEY', 'DOPPLER', [
      { fieldName: 'access_key_id', reference: 'aws-access-key' },
      { fieldName: 'secret_access_key', reference: '' },
    ]);
    expect(errors.map((e) => [e.path, e.code])).toEqual([
      [['fieldMappings', '0', 'reference'], 'INVALID_REFERENCE'],
      [['fieldMappings', '1', 'reference'], 'REQUIRED'],
    ]);
    expect(
      only(validateFieldMappings('AZURE_SAS_URL', 'INFISICAL', [{ fieldName: 'sas_url', reference: `/${'a'.repeat(1100)}/X` }])),
    ).toMatchObject({
      code: 'TOO_LONG',
    });
    expect(only(validateFieldMappings('AZURE_SAS_URL', 'ONEPASSWORD', [{ fieldName: 'sas_url', reference: 'SAS_URL' }])).message).toContain(
      'op://',
    );
  });

  it('never echoes a reference', () => {
    const m = `q${randomBytes(6).toString('hex')}`;
    const errors = validateFieldMappings('S3_ACCESS_KEY', 'DOPPLER', [
      { fieldName: m, reference: m },
      { fieldName: 'access_key_id', reference: `op://${m}/x/y` },
    ]);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.message).not.toContain(m);
  });

  it('refuses ENV secrets, which are always native', () => {
    expect(supportsExternalVault('ENV')).toBe(false);
    for (const type of SECRET_TYPES.filter((t) => t !== 'ENV')) expect(supportsExternalVault(type)).toBe(true);
    expect(only(validateFieldMappings('ENV_VARS', 'DOPPLER', [{ fieldName: 'API_KEY', reference: 'API_KEY' }]))).toMatchObject({
      path: ['fieldMappings'],
      code: 'ENV_SECRETS_ARE_NATIVE',
    });
  });
});
