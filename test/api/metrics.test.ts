import { describe, expect, test } from 'vitest';
import { parse } from 'graphql';
import { createMetricsRegistry } from '../../src/http/plugins/use-metrics.ts';
import { execute, startTestApp } from '../helpers/app.ts';
import { CreateSecret } from '../helpers/documents.ts';
import { fixtures, useTestApp } from '../helpers/fixtures.ts';
import { registerPlaintext } from '../helpers/harness-checks.ts';
import { testDatabaseUrl } from '../helpers/database.ts';

/*
 * GET /metrics (useMetrics, CLOAKROOM_METRICS=true): Prometheus text with request counts and
 * latency by operation name, errors by code, rate-limit refusals and the database pool. A
 * separate port (CLOAKROOM_METRICS_PORT) is covered by test/process/metrics.test.ts.
 */

const registry = createMetricsRegistry();
// Two queries a minute per token: the third is refused, and counted.
const { t, team } = useTestApp({ metrics: { registry, endpoint: '/metrics' }, rateLimit: { perToken: { queries: 2, mutations: 10 } } });

const scrape = async (app = t.app) => {
  const response = await app.fetch('http://cloakroom.test/metrics');
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
};

/** The value of the sample `name{labels…}` whose labels include all of `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /metrics', () => {
  test('counts operations by name, their latency, errors by code and rate-limit refusals; holds no value that was sent', async () => {
    const accessKey = fixtures.accessKey();
    const created = await execute(
      t.app,
      CreateSecret,
      { input: { teamId: team.teamId, name: 'metered', secretType: 'S3', credentials: { accessKey } } },
      team.ownerToken,
    );
    expect(created.status).toBe(200);
    const viewer = parse('query MeteredViewer { viewer { id } }');
    for (let i = 0; i < 3; i++) await execute(t.app, viewer, {}, team.ownerToken);
    expect((await execute(t.app, viewer, {}, 'crm_not-a-token')).status).toBe(401);

    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain/);
    // Three reached execution (the third was stopped there by its rate limit); the 401 did not.
    expect(sample(text, 'graphql_envelop_request', { operationName: 'MeteredViewer' })).toBe(3);
    expect(sample(text, 'graphql_envelop_request_duration_count', { operationName: 'MeteredViewer' })).toBe(3);
    expect(sample(text, 'graphql_envelop_request', { operationName: 'CreateSecret', operationType: 'mutation' })).toBe(1);
    expect(sample(text, 'graphql_yoga_http_duration_count', { operationName: 'MeteredViewer', statusCode: '200' })).toBe(2);
    expect(sample(text, 'graphql_yoga_http_duration_count', { operationName: 'MeteredViewer', statusCode: '429' })).toBe(1);
    expect(sample(text, 'graphql_yoga_http_duration_count', { operationName: 'MeteredViewer', statusCode: '401' })).toBe(1);
    expect(sample(text, 'cloakroom_graphql_errors_total', { code: 'RATE_LIMITED', operationName: 'MeteredViewer' })).toBe(1);
    expect(sample(text, 'cloakroom_graphql_errors_total', { code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(text, 'cloakroom_rate_limit_refusals_total')).toBe(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // Labels never hold a request's URL or document, let alone a credential.
    registerPlaintext(accessKey.secretAccessKey);
    expect(text).not.toContain(accessKey.secretAccessKey);
    expect(text).not.toContain(accessKey.accessKeyId);
    expect(text).not.toMatch(/url="/);
  });

  test.runIf(testDatabaseUrl)('reports the PostgreSQL pool', async () => {
    const { text } = await scrape();
    expect(sample(text, 'cloakroom_db_pool_connections', { state: 'max' })).toBe(10);
    expect(sample(text, 'cloakroom_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'cloakroom_db_pool_connections', { state: 'waiting' })).toBe(0);
  });

  test('is off unless asked for: an app without metrics answers 404', async () => {
    const plain = await startTestApp();
    try {
      expect((await scrape(plain.app)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
