import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultOf, TypedDocumentNode } from '@graphql-typed-document-node/core';
import { buildSchema, print, type ExecutionResult, type GraphQLObjectType } from 'graphql';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { CreateSecret } from '../helpers/documents.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { killServers, spawnServer } from '../helpers/server-process.ts';
import { DEV_EMAIL } from '../../src/modules/team/dev-team.ts';

// Debian's chromium (CI installs it): a missing browser fails the test rather than skipping it.
const CHROMIUM = '/usr/bin/chromium';
/** A name that is not local but resolves to this machine, as a DNS-rebinding page's would. */
const FOREIGN_HOST = 'cloakroom.test';
/** GraphiQL loads Monaco and the schema in a few seconds; expect.poll waits one by default. */
const POLL = { timeout: 10_000 };

const GraphiqlTeam = graphql(`
  query GraphiqlTeam {
    viewer {
      memberships {
        team {
          id
        }
      }
    }
  }
`);

const secretDescription = (
  buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8')).getType('Secret') as GraphQLObjectType
).description!;

const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-graphiql-test-'));
let browser: Browser;
let port: string;
let token: string;
let accessKey: { accessKeyId: string; secretAccessKey: string };
let secretMask: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const server = spawnServer({ DATA_DIR: dataDir });
  const [url] = await Promise.all([server.listening(), server.waitForLine(/dev-token/)]);
  port = new URL(url).port;
  token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
  // One secret for the default document to show, masked.
  const team = await request(GraphiqlTeam, {});
  accessKey = fixtures.accessKey();
  const created = await request(CreateSecret, {
    input: { teamId: team.viewer.memberships[0]!.team.id, name: 'warehouse', secretType: 'S3', credentials: { accessKey } },
  });
  if (created.createSecret?.__typename !== 'CreateSecretSuccess') throw new Error(`createSecret: ${JSON.stringify(created)}`);
  secretMask = created.createSecret.secret.credentialFields!.find((field) => field.name === 'access_key_id')!.maskedValue!;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--host-resolver-rules=MAP ${FOREIGN_HOST} 127.0.0.1`,
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await killServers();
  rmSync(dataDir, { recursive: true, force: true });
});

test('opened from this machine: the default document, the dev token pre-filled, the docs loaded without one 401, nothing in localStorage', async () => {
  const { context, page, introspections, elsewhere } = await openGraphiQL(`http://localhost:${port}/graphql`);

  const query = queryEditor(page);
  await expect.poll(() => editorText(query), POLL).toContain('query Overview {');
  expect(await editorText(query)).toContain('# mutation CreateSecret {');
  expect(JSON.parse(await editorText(headersEditor(page)))).toEqual({ Authorization: `Bearer ${token}` });

  await showSecretDocs(page);
  expect(introspections.map(({ status }) => status)).toEqual([200]);

  // The default document runs as it is, and shows the secret masked.
  await page.keyboard.press('Escape');
  await page.locator('.graphiql-execute-button').click();
  const result = await page.waitForFunction(() => {
    const text = document.querySelector('.result-window .view-lines')?.textContent ?? '';
    return text.includes('maskedValue') ? text : null;
  });
  const shown = normalise((await result.jsonValue()) ?? '');
  expect(shown).toContain(DEV_EMAIL);
  expect(shown).toContain(secretMask);
  expect(shown).not.toContain(accessKey.accessKeyId);

  expect(await storedText(page)).not.toContain(token);
  expect(await storedText(page)).not.toMatch(/authorization/i);
  expect(elsewhere).toEqual([]);
  await context.close();
});

test('opened under another name: a header template; a good token replacing a bad one loads the schema with no manual refetch', async () => {
  const { context, page, introspections, elsewhere } = await openGraphiQL(`http://${FOREIGN_HOST}:${port}/graphql`);

  const headers = headersEditor(page);
  await expect.poll(() => editorText(headers), POLL).toContain('<your API token>');
  expect(await editorText(queryEditor(page))).toContain('npm run --silent cli -- token');
  await page.locator('[aria-label="Show Documentation Explorer"]').click();
  await expect.poll(() => page.locator('.graphiql-doc-explorer-error').textContent(), POLL).toBe('Error fetching schema');

  await replaceEditorText(headers, JSON.stringify({ Authorization: 'Bearer crm_not_a_token' }));
  await expect.poll(() => introspections.some(({ authorization }) => authorization === 'Bearer crm_not_a_token'), POLL).toBe(true);
  expect(await page.locator('.graphiql-doc-explorer-error').textContent()).toBe('Error fetching schema');

  await replaceEditorText(headers, JSON.stringify({ Authorization: `Bearer ${token}` }));
  await showSecretDocs(page);
  expect(introspections.at(-1)).toEqual({ status: 200, authorization: `Bearer ${token}` });
  expect(await storedText(page)).not.toContain(token);
  expect(elsewhere).toEqual([]);
  await context.close();
});

/** A page of GraphiQL that may reach nothing but the server (`elsewhere`: what it tried), and the introspection requests it sends. */
async function openGraphiQL(url: string): Promise<{
  context: BrowserContext;
  page: Page;
  introspections: { status: number; authorization: string | undefined }[];
  elsewhere: string[];
}> {
  const origin = new URL(url).origin;
  // data: URLs have no origin; blob: URLs (Monaco's workers) carry the page's.
  const isLocal = (address: string) => address.startsWith('data:') || new URL(address).origin === origin;
  // Tall enough for the default document's whole result to render.
  const context = await browser.newContext({ viewport: { width: 1280, height: 2000 } });
  context.setDefaultTimeout(10_000);
  const elsewhere: string[] = [];
  context.on('request', (request) => {
    if (!isLocal(request.url())) elsewhere.push(request.url());
  });
  await context.route('**/*', (route) => (isLocal(route.request().url()) ? route.continue() : route.abort('blockedbyclient')));
  const page = await context.newPage();
  const introspections: { status: number; authorization: string | undefined }[] = [];
  page.on('response', (response) => {
    if (response.request().postData()?.includes('__schema'))
      introspections.push({ status: response.status(), authorization: response.request().headers().authorization });
  });
  expect((await page.goto(url))?.status()).toBe(200);
  return { context, page, introspections, elsewhere };
}

/** Finds `Secret` in the docs explorer and waits for its page: the schema is loaded, descriptions included. */
async function showSecretDocs(page: Page): Promise<void> {
  const docs = page.locator('.graphiql-doc-explorer');
  if (!(await docs.isVisible())) await page.locator('[aria-label="Show Documentation Explorer"]').click();
  await page.locator('.graphiql-doc-explorer-search-input input').fill('Secret');
  await page
    .locator('.graphiql-doc-explorer-search-type', { hasText: /^Secret$/ })
    .first()
    .click();
  await expect.poll(() => docs.locator('.graphiql-doc-explorer-title').textContent(), POLL).toBe('Secret');
  expect(
    normalise((await docs.locator('.graphiql-doc-explorer-content > .graphiql-markdown-description').first().textContent()) ?? '').trim(),
  ).toBe(secretDescription);
}

const queryEditor = (page: Page) => page.locator('.graphiql-query-editor');
const headersEditor = (page: Page) => page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)');
const storedText = (page: Page) => page.evaluate(() => JSON.stringify({ ...localStorage }));

/** A Monaco editor's text as rendered (only its visible lines, which is all these documents need). */
async function editorText(editor: Locator): Promise<string> {
  return normalise(await editor.locator('.view-lines').innerText());
}

async function request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables): Promise<TResult> {
  const response = await fetch(`http://localhost:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return ((await response.json()) as ExecutionResult<ResultOf<typeof document>>).data!;
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
