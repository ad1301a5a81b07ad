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
    expect(
      loadConfig({ CLOAKROOM_HEADERS_TIMEOUT_MS: '2000', CLOAKROOM_BODY_TIMEOUT_MS: '5000', CLOAKROOM_MAX_RESPONSE_BYTES: '1000000' }),
    ).toMatchObject({
      headersTimeoutMs: 2000,
      bodyTimeoutMs: 5000,
      maxResponseBytes: 1_000_000,
    });
    for (const env of [
      { CLOAKROOM_HEADERS_TIMEOUT_MS: '0' },
      { CLOAKROOM_BODY_TIMEOUT_MS: 'soon' },
      { CLOAKROOM_MAX_RESPONSE_BYTES: '-1' },
      { CLOAKROOM_HEADERS_TIMEOUT_MS: '40000' },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    }
  });
});

describe('rate limits and proxies from the environment', () => {
  test('CLOAKROOM_TRUSTED_PROXIES takes addresses, ranges and names; anything else refuses to start', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ CLOAKROOM_TRUSTED_PROXIES: ' 10.0.0.0/8, loopback ,2001:db8::1' }).trustedProxies).toEqual([
      '10.0.0.0/8',
      'loopback',
      '2001:db8::1',
    ]);
    for (const bad of ['10.0.0.0/99', 'proxy.internal', '*']) {
      expect(() => loadConfig({ CLOAKROOM_TRUSTED_PROXIES: bad })).toThrow(ConfigError);
    }
  });

  test('per-minute limits and REDIS_URL are read; unset keeps the defaults; garbage refuses to start', () => {
    expect(loadConfig({}).rateLimit).toEqual({ perToken: {}, perTeam: {} });
    expect(loadConfig({}).redisUrl).toBeUndefined();
    const config = loadConfig({
      CLOAKROOM_RATE_LIMIT_QUERIES_PER_MINUTE: '500',
      CLOAKROOM_RATE_LIMIT_MUTATIONS_PER_MINUTE: '0',
      CLOAKROOM_RATE_LIMIT_TEAM_QUERIES_PER_MINUTE: ' 9000 ',
      CLOAKROOM_RATE_LIMIT_TEAM_MUTATIONS_PER_MINUTE: '',
      CLOAKROOM_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '5',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(config.rateLimit).toEqual({ perToken: { queries: 500, mutations: 0 }, perTeam: { queries: 9000 }, unauthenticatedPerIp: 5 });
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    for (const bad of ['abc', '-1', '1.5', '1e400']) {
      expect(() => loadConfig({ CLOAKROOM_RATE_LIMIT_MUTATIONS_PER_MINUTE: bad })).toThrow(ConfigError);
    }
  });
});

describe('the purge sweep from the environment', () => {
  test('CLOAKROOM_PURGE_INTERVAL_MS: one minute by default, a value in milliseconds, garbage refusing to start', () => {
    expect(loadConfig({}).purgeIntervalMs).toBe(60_000);
    expect(loadConfig({ CLOAKROOM_PURGE_INTERVAL_MS: '5000' }).purgeIntervalMs).toBe(5000);
    for (const value of ['0', '-5', 'hourly', '1.5']) expect(() => loadConfig({ CLOAKROOM_PURGE_INTERVAL_MS: value })).toThrow(ConfigError);
  });
});

describe('events and webhooks from the environment', () => {
  test('defaults, values in milliseconds, the channel prefix; garbage refuses to start', () => {
    expect(loadConfig({})).toMatchObject({
      redisChannelPrefix: 'cloakroom:',
      eventsPollMs: 2_000,
      sseHeartbeatMs: 15_000,
      scheduledEventsIntervalMs: 60_000,
      webhookPollMs: 1_000,
      webhookRetryBaseMs: 30_000,
    });
    const names = {
      CLOAKROOM_EVENTS_POLL_MS: 'eventsPollMs',
      CLOAKROOM_SSE_HEARTBEAT_MS: 'sseHeartbeatMs',
      CLOAKROOM_SCHEDULED_EVENTS_INTERVAL_MS: 'scheduledEventsIntervalMs',
      CLOAKROOM_WEBHOOK_POLL_MS: 'webhookPollMs',
      CLOAKROOM_WEBHOOK_RETRY_BASE_MS: 'webhookRetryBaseMs',
    } as const;
    for (const [variable, field] of Object.entries(names)) {
      expect(loadConfig({ [variable]: '250' })[field], variable).toBe(250);
      for (const bad of ['0', '-5', 'soon', '1.5'])
        expect(() => loadConfig({ [variable]: bad }), `${variable}=${bad}`).toThrow(ConfigError);
    }
    expect(loadConfig({ CLOAKROOM_REDIS_CHANNEL_PREFIX: 'staging:' }).redisChannelPrefix).toBe('staging:');
  });
});

describe('the outbound guard from the environment', () => {
  test('CLOAKROOM_OUTBOUND_ALLOWED_HOSTS takes names, addresses and ranges; anything else refuses to start', () => {
    expect(loadConfig({}).outboundAllowedHosts).toEqual([]);
    expect(
      loadConfig({ CLOAKROOM_OUTBOUND_ALLOWED_HOSTS: ' 127.0.0.1, 10.0.0.0/8 ,minio.internal,fd00::/8' }).outboundAllowedHosts,
    ).toEqual(['127.0.0.1', '10.0.0.0/8', 'minio.internal', 'fd00::/8']);
    for (const bad of ['10.0.0.0/99', '*.internal', 'https://minio.internal']) {
      expect(() => loadConfig({ CLOAKROOM_OUTBOUND_ALLOWED_HOSTS: bad })).toThrow(ConfigError);
    }
  });

  test('CLOAKROOM_OUTBOUND_CA_FILE must name a readable PEM file', () => {
    expect(loadConfig({}).outboundExtraCa).toBeUndefined();
    expect(() => loadConfig({ CLOAKROOM_OUTBOUND_CA_FILE: '/nonexistent/ca.pem' })).toThrow(ConfigError);
    expect(() => loadConfig({ CLOAKROOM_OUTBOUND_CA_FILE: 'package.json' })).toThrow(/no PEM certificate/);
  });
});

describe('the read replica from the environment', () => {
  test('DATABASE_REPLICA_URL needs DATABASE_URL; CLOAKROOM_REPLICA_MAX_LAG_MS defaults to 5000', () => {
    expect(loadConfig({})).toMatchObject({ databaseReplicaUrl: undefined, replicaMaxLagMs: 5000 });
    expect(
      loadConfig({ DATABASE_URL: 'postgres://db/c', DATABASE_REPLICA_URL: 'postgres://replica/c', CLOAKROOM_REPLICA_MAX_LAG_MS: '800' }),
    ).toMatchObject({ databaseReplicaUrl: 'postgres://replica/c', replicaMaxLagMs: 800 });
    expect(() => loadConfig({ DATABASE_REPLICA_URL: 'postgres://replica/c' })).toThrow(/DATABASE_REPLICA_URL needs DATABASE_URL/);
    expect(() => loadConfig({ CLOAKROOM_REPLICA_MAX_LAG_MS: 'soon' })).toThrow(/CLOAKROOM_REPLICA_MAX_LAG_MS/);
  });
});
