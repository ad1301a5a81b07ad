import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let unconfigured: TestApp;
let oneOrigin: TestApp;
let twoOrigins: TestApp;
beforeAll(async () => {
  [unconfigured, oneOrigin, twoOrigins] = await Promise.all([
    startTestApp(),
    startTestApp({ corsOrigins: ['https://app.example'] }),
    startTestApp({ corsOrigins: ['https://app.example', 'https://admin.example'] }),
  ]);
});
afterAll(() => Promise.all([unconfigured, oneOrigin, twoOrigins].map((t) => t?.close())));

/** The preflight a browser sends before a cross-origin POST carrying a bearer token. */
async function preflight(app: App, origin: string): Promise<Response> {
  return app.fetch('http://cloakroom.test/graphql', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
}

async function allowedOrigin(app: App, origin: string): Promise<string | null> {
  return (await preflight(app, origin)).headers.get('access-control-allow-origin');
}

describe('CORS', () => {
  test('a listed origin may send the Authorization header, without credentials', async () => {
    const res = await preflight(oneOrigin.app, 'https://app.example');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/)).toContain('authorization');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    // The actual request needs the header too, or the browser hides the response from the page.
    const post = await oneOrigin.app.fetch('http://cloakroom.test/graphql', {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  test('an unlisted origin gets no Access-Control-Allow-Origin', async () => {
    expect(await allowedOrigin(oneOrigin.app, 'https://evil.example')).toBeNull();
  });

  test('with several origins, each listed one is allowed and nothing else, not even the opaque origin "null"', async () => {
    expect(await allowedOrigin(twoOrigins.app, 'https://app.example')).toBe('https://app.example');
    expect(await allowedOrigin(twoOrigins.app, 'https://admin.example')).toBe('https://admin.example');
    expect(await allowedOrigin(twoOrigins.app, 'https://evil.example')).toBeNull();
    expect(await allowedOrigin(twoOrigins.app, 'null')).toBeNull();
  });

  test('with no origins configured, no origin is allowed', async () => {
    const res = await preflight(unconfigured.app, 'https://app.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
  });
});
