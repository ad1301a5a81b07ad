import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, test } from 'vitest';
import { killServers, spawnServer } from '../helpers/server-process.ts';

/*
 * `npm start` with CLOAKROOM_METRICS=true and CLOAKROOM_METRICS_PORT: the metrics on a port of
 * their own, the API's port without them (scraping stays off the public port).
 */

const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-metrics-test-'));
afterEach(killServers);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('CLOAKROOM_METRICS_PORT serves GET /metrics apart from the API, which does not', async () => {
  const server = spawnServer({ DATA_DIR: dataDir, CLOAKROOM_METRICS: 'true', CLOAKROOM_METRICS_PORT: '0' });
  const api = await server.listening();
  const { address } = JSON.parse(await server.waitForLine(/"msg":"metrics listening"/)) as { address: { port: number } };
  // The dev token of the embedded database, written before the server says where it serves.
  await server.waitForLine(/Dev API token|their API token is in/);
  const token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
  const viewer = await fetch(`${api}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'query ScrapedViewer { viewer { id } }' }),
  });
  expect(viewer.status).toBe(200);

  const scraped = await fetch(`http://127.0.0.1:${address.port}/metrics`);
  expect(scraped.status).toBe(200);
  const text = await scraped.text();
  expect(text).toMatch(/^graphql_envelop_request\{operationName="ScrapedViewer",operationType="query"\} 1$/m);
  expect(text).toMatch(/^process_cpu_seconds_total /m);
  expect((await fetch(`http://127.0.0.1:${address.port}/graphql`)).status).toBe(404);
  expect((await fetch(`${api}/metrics`)).status).toBe(404);
  expect(await server.stop()).toEqual({ code: 0, signal: null });
}, 120_000);
