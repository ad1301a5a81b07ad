import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('HTTP limits from the environment', () => {
  test('listen address: 127.0.0.1 in embedded mode, every interface with DATABASE_URL, HOST overrides both', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/cloakroom' }).host).toBeUndefined();
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/cloakroom', HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
  });

  test('timeouts and the response limit: defaults, values, and garbage refusing to start', () => {
    expect(loadConfig({})).toMatchObject({ headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000, maxResponseBytes: undefined });
    expect(loadConfig({ CLOAKROOM_HEADERS_TIMEOUT_MS: '2000', CLOAKROOM_BODY_TIMEOUT_MS: '5000', CLOAKROOM_MAX_RESPONSE_BYTES: '1000000' })).toMatchObject({
      headersTimeoutMs: 2000,
      bodyTimeoutMs: 5000,
      maxResponseBytes: 1_000_000,
    });
    for (const env of [{ CLOAKROOM_HEADERS_TIMEOUT_MS: '0' }, { CLOAKROOM_BODY_TIMEOUT_MS: 'soon' }, { CLOAKROOM_MAX_RESPONSE_BYTES: '-1' }, { CLOAKROOM_HEADERS_TIMEOUT_MS: '40000' }]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    }
  });
});
