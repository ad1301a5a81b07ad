import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCountingListener, type CountingListener } from '../../../test/helpers/storage-servers.ts';
import { createOutboundGuard } from '../outbound/outbound-guard.ts';
import { runChecks } from './verification-checks.ts';

/** A listener that accepts connections and never answers: the TLS handshake waits for ever, unless the budget ends it. */
let silent: CountingListener;
beforeAll(async () => {
  silent = await startCountingListener('127.0.0.1', { hold: true });
});
afterAll(() => silent?.close());

describe('the time budget of a verification', () => {
  test('a server that never answers → TIMEOUT when the budget is spent, and the run ends then', async () => {
    const started = Date.now();
    const result = await runChecks(
      {
        locationType: 'S3_COMPATIBLE',
        authMethod: 'S3_COMPATIBLE_ACCESS_KEY',
        credentials: new Map([
          ['access_key_id', 'minio-user'],
          ['secret_access_key', 'minio-secret-key'],
        ]),
        bucketName: 'bucket',
        region: null,
        endpointUrl: `https://127.0.0.1:${silent.port}`,
        outbound: createOutboundGuard({ allowedHosts: ['127.0.0.1'] }),
      },
      'READ_WRITE',
      300,
    );
    expect(result.status).toBe('FAILED');
    expect(result.checks).toEqual([
      {
        check: 'LIST',
        ok: false,
        errorCode: 'TIMEOUT',
        message: 'LIST failed: the provider did not answer within the verification’s time budget',
      },
    ]);
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(silent.connections()).toBe(1);
  });
});
