import { describe, expect, it } from 'vitest';
import { AWS, serviceAccount, VALID } from '../../../test/helpers/credential-examples.ts';
import { maskedCredentialFields, maskValue } from './credential-masking.ts';

describe('maskValue', () => {
  it('hides values shorter than 12 characters entirely', () => {
    expect(maskValue('')).toBe('••••');
    expect(maskValue('a')).toBe('••••');
    expect(maskValue('minioadmin1')).toBe('••••');
  });

  it('shows the first 4 and last 3 characters of longer values', () => {
    expect(maskValue('abcdefghijkl')).toBe('abcd••••jkl');
    expect(maskValue(AWS.accessKeyId)).toBe('AKIA••••PLE');
    expect(maskValue('AKIAEXAMPLEXYZ')).toBe('AKIA••••XYZ');
    expect(maskValue('sk-proj-abcdefghijklmnop789')).toBe('sk-p••••789');
  });

  it('counts code points, never splitting a surrogate pair', () => {
    expect(maskValue('🔑🔑🔑🔑middle🔒🔒🔒')).toBe('🔑🔑🔑🔑••••🔒🔒🔒');
    expect(maskValue('🔑'.repeat(11))).toBe('••••');
  });

  it('reveals no key material of a service-account file', () => {
    const masked = maskValue(serviceAccount());
    expect(masked).toBe('{\n  ••••"\n}');
    expect(masked).not.toContain('PRIVATE');
  });

  it('is what maskedCredentialFields stores', () => {
    expect(maskedCredentialFields('S3_ACCESS_KEY', VALID.S3_ACCESS_KEY)).toEqual([
      { name: 'access_key_id', envVar: 'AWS_ACCESS_KEY_ID', maskedValue: 'AKIA••••PLE' },
      { name: 'secret_access_key', envVar: 'AWS_SECRET_ACCESS_KEY', maskedValue: 'wJal••••KEY' },
    ]);
    expect(maskedCredentialFields('ENV_VARS', { envVars: [{ key: 'SHORT', value: 'tiny' }] })).toEqual([
      { name: 'SHORT', envVar: 'SHORT', maskedValue: '••••' },
    ]);
  });
});
