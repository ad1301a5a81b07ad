import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTeamWithOwner, startTestApp, type TestApp, type TestTeam } from '../helpers/app.ts';

/**
 * Issue 12: nothing a client sent comes back in an error message or goes into a log line. Each
 * case runs on a development and a production app (production hides suggestions, introspection).
 */

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** Raw GraphQL over HTTP: these tests send what no typed client would (inline literals, bad values). */
async function post(app: TestApp['app'], token: string, body: unknown) {
  const response = await app.fetch('http://cloakroom.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Body };
}

const apps: Record<'development' | 'production', { t: TestApp; team: TestTeam }> = {} as never;
beforeAll(async () => {
  const [dev, prod] = await Promise.all([startTestApp(), startTestApp({ production: true })]);
  const [devTeam, prodTeam] = await Promise.all([createTeamWithOwner(dev.db), createTeamWithOwner(prod.db)]);
  apps.development = { t: dev, team: devTeam };
  apps.production = { t: prod, team: prodTeam };
});
afterAll(async () => {
  await Promise.all(Object.values(apps).map(({ t }) => t.close()));
});

const modes = ['development', 'production'] as const;

describe.each(modes)('logs (%s): operation name, codes and paths, never the document or its values', (mode) => {
  test('an inline credential next to an error elsewhere in the operation is not logged', async () => {
    const { t, team } = apps[mode];
    // A token without team:admin: `auditEvents` below is FORBIDDEN, an error outside the mutation's union.
    const scoped = await post(t.app, team.ownerToken, {
      query: 'mutation { createApiToken(input: {name: "writer", scopes: [SECRETS_WRITE]}) { ... on CreateApiTokenSuccess { token } } }',
    });
    const token = (scoped.body.data?.createApiToken as { token: string }).token;
    const accessKeyId = `AKIA${mode === 'production' ? 'PRODHYGIENE' : 'DEVHYGIENE0'}12345`.slice(0, 20);
    const secretAccessKey = `hygiene/${mode}/wJalrXUtnFEMI/K7MDENG/bPxRfiCY`;
    const documents = [
      // One line, as many clients send it.
      `mutation HygieneOneLine { createSecret(input: {teamId: "${team.teamId}", name: "marker-one-${mode}", secretType: S3, credentials: {accessKey: {accessKeyId: "${accessKeyId}", secretAccessKey: "${secretAccessKey}"}}}) { ... on CreateSecretSuccess { secret { team { auditEvents(first: 1) { edges { node { id } } } } } } } }`,
      // Formatted: the credential on the line before the failing field.
      `mutation HygieneFormatted {
  createSecret(input: {teamId: "${team.teamId}", name: "marker-two-${mode}", secretType: S3,
    credentials: {accessKey: {accessKeyId: "${accessKeyId}", secretAccessKey: "${secretAccessKey}"}}}) {
    ... on CreateSecretSuccess { secret { team { auditEvents(first: 1) { edges { node { id } } } } } }
  }
}`,
    ];
    for (const query of documents) {
      const before = t.logs.length;
      const res = await post(t.app, token, { query });
      expect(res.body.errors?.[0]).toMatchObject({ path: ['createSecret', 'secret', 'team', 'auditEvents'], extensions: { code: 'FORBIDDEN' } });
      const lines = t.logs.slice(before).join('\n');
      for (const text of [accessKeyId, secretAccessKey, 'marker-one', 'marker-two', 'credentials']) expect(lines).not.toContain(text);
      // What is logged instead: the operation, the error's code and path.
      const accessLine = t.logs.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'request');
      expect(accessLine).toMatchObject({
        operationName: query.includes('OneLine') ? 'HygieneOneLine' : 'HygieneFormatted',
        errors: [{ code: 'FORBIDDEN', path: ['createSecret', 'secret', 'team', 'auditEvents'] }],
      });
    }
  });
});
