import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const page = (acceptEncoding?: string) =>
  t.app.fetch('http://cloakroom.test/graphql', { headers: { accept: 'text/html', ...(acceptEncoding && { 'accept-encoding': acceptEncoding }) } });

test('GraphiQL (~9 MB, every asset inlined) is served gzipped to clients that accept it', async () => {
  const plain = await page();
  const html = await plain.text();
  expect(plain.headers.get('content-encoding')).toBeNull();
  expect(html.length).toBeGreaterThan(1_000_000);

  const compressed = await page('gzip, deflate, br');
  expect(compressed.headers.get('content-encoding')).toBe('gzip');
  expect(compressed.headers.get('vary')).toMatch(/Accept-Encoding/i);
  const body = Buffer.from(await compressed.arrayBuffer());
  expect(body.length).toBeLessThan(html.length / 3);
  expect(gunzipSync(body).toString('utf8')).toBe(html);
});

test('API responses are not compressed (and need no decompression of request bodies)', async () => {
  const res = await t.app.fetch('http://cloakroom.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' }, body: '{"query":"{ __typename }"}' });
  expect(res.headers.get('content-encoding')).toBeNull();
});
