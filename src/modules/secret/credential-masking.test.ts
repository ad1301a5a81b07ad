import { describe, expect, it } from 'vitest';
import { AWS, serviceAccount, VALID } from '../../../test/helpers/credential-examples.ts';
import { maskedCredentialFields, maskValue } from './credential-masking.ts';

describe('maskValue', () => {
  it.each(['', 'a', 'minioadmin1', 'Pw0rd!Xy9Qz7', 'abcdefghijklmno'])('hides values shorter than 16 characters entirely: %j', (value) => {
    expect(maskValue(value)).toBe('••••');
  });

  it('shows at most a quarter of longer values, and never more than the first 4 and last 3 characters', () => {
    expect(maskValue('abcdefghijklmnop')).toBe('ab••••op');
    expect(maskValue(AWS.accessKeyId)).toBe('AKI••••LE');
    expect(maskValue('sk-proj-abcdefghijklmnop789')).toBe('sk-••••789');
    expect(maskValue(AWS.secretAccessKey)).toBe('wJal••••KEY');
    for (let length = 0; length <= 60; length++) {
      const value = 'x'.repeat(length);
      expect(maskValue(value).replace('••••', '').length).toBeLessThanOrEqual(Math.min(7, length < 16 ? 0 : Math.floor(length / 4)));
    }
  });

  it('counts code points, never splitting a surrogate pair', () => {
    expect(maskValue('🔑🔑🔑🔑middle-middle-🔒🔒🔒')).toBe('🔑🔑🔑••••🔒🔒');
    expect(maskValue('🔑'.repeat(15))).toBe('••••');
  });

  it('reveals no key material of a service-account file', () => {
    const masked = maskValue(serviceAccount());
    expect(masked).toBe('{\n  ••••"\n}');
    expect(masked).not.toContain('PRIVATE');
  });

  it('is what maskedCredentialFields stores', () => {
    expect(maskedCredentialFields('S3_ACCESS_KEY', VALID.S3_ACCESS_KEY)).toEqual([
      { name: 'access_key_id', envVar: 'AWS_ACCESS_KEY_ID', maskedValue: 'AKI••••LE' },
      { name: 'secret_access_key', envVar: 'AWS_SECRET_ACCESS_KEY', maskedValue: 'wJal••••KEY' },
    ]);
    expect(maskedCredentialFields('ENV_VARS', { envVars: [{ key: 'SHORT', value: 'tiny' }] })).toEqual([
      { name: 'SHORT', envVar: 'SHORT', maskedValue: '••••' },
    ]);
  });
});
