import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { chromium, type Browser, type Locator } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { killServers, spawnServer } from '../helpers/server-process.ts';

// Debian's chromium (CI installs it): a missing browser fails the test rather than skipping it.
const CHROMIUM = '/usr/bin/chromium';

const GraphiqlViewer = graphql(`
  query GraphiqlViewer {
    viewer {
      id
    }
  }
`);

const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-graphiql-test-'));
let browser: Browser;
let url: string;
let token: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const server = spawnServer({ DATA_DIR: dataDir });
  [url] = await Promise.all([server.listening(), server.waitForLine(/dev-token/)]);
  token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await killServers();
  rmSync(dataDir, { recursive: true, force: true });
});

test('GraphiQL is served locally and runs a query with the dev token', async () => {
  const origin = new URL(url).origin;
  // data: URLs have no origin; blob: URLs (Monaco's workers) carry the page's.
  const isLocal = (address: string) => address.startsWith('data:') || new URL(address).origin === origin;
  const context = await browser.newContext();
  context.setDefaultTimeout(10_000);
  const elsewhere: string[] = [];
  context.on('request', (request) => {
    if (!isLocal(request.url())) elsewhere.push(request.url());
  });
  await context.route('**/*', (route) => (isLocal(route.request().url()) ? route.continue() : route.abort('blockedbyclient')));
  const page = await context.newPage();

  const viewerId = await viewerIdOverHttp();
  expect((await page.goto(`${url}/graphql`))?.status()).toBe(200);

  // GraphiQL opens with the Headers tab shown (defaultEditorToolsVisibility).
  const headers = JSON.stringify({ Authorization: `Bearer ${token}` });
  await replaceEditorText(page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)'), headers);
  await replaceEditorText(page.locator('.graphiql-query-editor'), '{ viewer { id } }');
  // Monaco's autocomplete pop-up covers the Run button.
  await page.keyboard.press('Escape');
  await page.locator('.graphiql-execute-button').click();

  // The result pane wraps long lines (the id among them), so compare without any whitespace.
  const expected = JSON.stringify({ data: { viewer: { id: viewerId } } });
  const shown = await page.waitForFunction(
    (id) => {
      const text = document.querySelector('.result-window .view-lines')?.textContent?.replace(/\s+/g, '') ?? '';
      return text.includes(id) && text;
    },
    viewerId,
  );
  expect(await shown.jsonValue()).toBe(expected);
  expect(elsewhere).toEqual([]);
  await context.close();
});

async function viewerIdOverHttp(): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(GraphiqlViewer) }),
  });
  return ((await response.json()) as ExecutionResult<ResultOf<typeof GraphiqlViewer>>).data!.viewer.id;
}

/** Monaco renders spaces as U+00A0. */
function normalise(text: string): string {
  return text.replaceAll('\u00a0', ' ');
}

/**
 * Clears a Monaco editor and enters `text` as one input event, like a paste: typed key by key,
 * Monaco's autocomplete (live once the schema loads with the token) can swallow characters.
 */
async function replaceEditorText(editor: Locator, text: string): Promise<void> {
  const page = editor.page();
  await editor.locator('.monaco-editor').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  // Monaco renders on the next animation frame.
  await expect.poll(async () => normalise(await editor.locator('.view-lines').innerText())).toBe(text);
}
