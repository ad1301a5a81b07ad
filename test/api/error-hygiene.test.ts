import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toGlobalId } from '../../src/graphql/global-id.ts';
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
      expect(res.body.errors?.[0]).toMatchObject({
        path: ['createSecret', 'secret', 'team', 'auditEvents'],
        extensions: { code: 'FORBIDDEN' },
      });
      const lines = t.logs.slice(before).join('\n');
      for (const text of [accessKeyId, secretAccessKey, 'marker-one', 'marker-two', 'credentials']) expect(lines).not.toContain(text);
      // What is logged instead: the operation, the error's code and path.
      const accessLine = t.logs
        .slice(before)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.msg === 'request');
      expect(accessLine).toMatchObject({
        operationName: query.includes('OneLine') ? 'HygieneOneLine' : 'HygieneFormatted',
        errors: [{ code: 'FORBIDDEN', path: ['createSecret', 'secret', 'team', 'auditEvents'] }],
      });
    }
  });
});

describe.each(modes)('validation errors (%s) say what was expected and where, never the value', (mode) => {
  const value = 'Sup3rS3cretValue';
  const bigNumber = '123456789123';
  const cases: { name: string; query: (teamId: string) => string; variables?: Record<string, unknown>; hidden: string; says: RegExp }[] = [
    {
      name: 'a number for a String literal',
      query: (id) => `{ team(id: "${id}") { secretByName(name: ${bigNumber}) { id } } }`,
      hidden: bigNumber,
      says: /String/,
    },
    {
      name: 'an object for a String literal',
      query: (id) => `{ team(id: "${id}") { secretByName(name: {key: "${value}"}) { id } } }`,
      hidden: value,
      says: /String/,
    },
    {
      name: 'a number for a String variable',
      query: (id) => `query($n: String!) { team(id: "${id}") { secretByName(name: $n) { id } } }`,
      variables: { n: Number(bigNumber) },
      hidden: bigNumber,
      says: /String/,
    },
    {
      name: 'an Int literal out of range',
      query: (id) => `mutation { updateSecret(input: {id: "${id}", expectedVersion: ${bigNumber}}) { __typename } }`,
      hidden: bigNumber,
      says: /Int/,
    },
    {
      name: 'an Int variable out of range',
      query: (id) => `query($f: Int) { team(id: "${id}") { secrets(first: $f) { edges { node { id } } } } }`,
      variables: { f: Number(bigNumber) },
      hidden: bigNumber,
      says: /Int/,
    },
    {
      name: 'a string for a Boolean literal',
      query: (id) => `mutation { createSecret(input: {teamId: "${id}", name: "n", secretType: ENV, shared: "${value}"}) { __typename } }`,
      hidden: value,
      says: /Boolean/,
    },
    { name: 'an object for an ID literal', query: () => `{ team(id: {v: "${value}"}) { id } }`, hidden: value, says: /ID/ },
    {
      name: 'an unknown enum literal',
      query: (id) =>
        `mutation { addTeamMember(input: {teamId: "${id}", email: "a@example.test", role: ${value.toUpperCase()}}) { __typename } }`,
      hidden: value.toUpperCase(),
      says: /TeamRole/,
    },
    {
      name: 'a string for an enum literal',
      query: (id) => `mutation { addTeamMember(input: {teamId: "${id}", email: "a@example.test", role: "${value}"}) { __typename } }`,
      hidden: value,
      says: /TeamRole/,
    },
    {
      name: 'an unknown enum variable',
      query: (id) =>
        `mutation($r: TeamRole!) { addTeamMember(input: {teamId: "${id}", email: "a@example.test", role: $r}) { __typename } }`,
      variables: { r: value },
      hidden: value,
      says: /TeamRole/,
    },
    {
      name: 'an unknown enum inside an input variable',
      query: () => `mutation($i: AddTeamMemberInput!) { addTeamMember(input: $i) { __typename } }`,
      variables: { i: { teamId: 'x', email: 'a@example.test', role: value } },
      hidden: value,
      says: /TeamRole/,
    },
    {
      name: 'a bad DateTime literal',
      query: (id) => `{ team(id: "${id}") { auditEvents(first: 1, filter: {since: "${value}"}) { edges { node { id } } } } }`,
      hidden: value,
      says: /DateTime/,
    },
    {
      name: 'a bad DateTime variable',
      query: (id) => `query($s: DateTime) { team(id: "${id}") { auditEvents(first: 1, filter: {since: $s}) { edges { node { id } } } } }`,
      variables: { s: value },
      hidden: value,
      says: /DateTime/,
    },
    { name: 'a bad default value of a variable', query: () => `query($x: Int = "${value}") { viewer { id } }`, hidden: value, says: /Int/ },
    {
      name: 'a bad directive argument',
      query: () => `{ viewer { id @include(if: "${value}") } }`,
      hidden: value,
      says: /Boolean!.*include/,
    },
    {
      name: 'a string token where a name belongs (syntax)',
      query: () => `{ viewer { id } "${value}" }`,
      hidden: value,
      says: /Syntax Error/,
    },
  ];
  test.each(cases)('$name', async ({ query, variables, hidden, says }) => {
    const { t, team } = apps[mode];
    const res = await post(t.app, team.ownerToken, { query: query(team.teamId), variables });
    expect(res.body.errors?.length, res.text).toBeGreaterThan(0);
    expect(res.text).not.toContain(hidden);
    expect(res.body.errors?.[0]?.message).toMatch(says);
  });
});

describe.each(modes)(
  'ids (%s): an id that names nothing is NOT_FOUND "No object with this id", never echoed, never an internal text',
  (mode) => {
    const garbage = 'Sup3rS3cretNotAnId';
    const uuid = '00000000-0000-4000-8000-000000000000';
    const nothing = [
      ['not base64 of Type:id', garbage],
      ['a type that is not a Node (SecretPreset)', toGlobalId('SecretPreset', uuid)],
      ['a type that does not exist', toGlobalId('secret', uuid)],
      ['the root type', toGlobalId('Query', uuid)],
    ] as const;
    const internals = /implemented|support|loading|Invalid global ID|Pothos/;

    test.each(nothing)('node(id): %s', async (_name, id) => {
      const { t, team } = apps[mode];
      const res = await post(t.app, team.ownerToken, { query: `{ node(id: "${id}") { id } }` });
      expect(res.body.data).toEqual({ node: null });
      expect(res.body.errors).toMatchObject([{ message: 'No object with this id', path: ['node'], extensions: { code: 'NOT_FOUND' } }]);
      expect(res.text).not.toContain(id);
      expect(res.text).not.toMatch(internals);
    });

    test.each(nothing)('nodes(ids): %s is a null item beside the objects found', async (_name, id) => {
      const { t, team } = apps[mode];
      const res = await post(t.app, team.ownerToken, {
        query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
        variables: { ids: [team.teamId, id] },
      });
      expect(res.body.data).toEqual({ nodes: [{ id: team.teamId }, null] });
      expect(res.body.errors).toMatchObject([{ message: 'No object with this id', path: ['nodes', 1], extensions: { code: 'NOT_FOUND' } }]);
      expect(res.text).not.toContain(id);
      expect(res.text).not.toMatch(internals);
    });

    // Garbage, an id of another type (Pothos's own decoder would quote it: "ID: … is not of type"), a row id that is no uuid.
    test.each([
      ['garbage', garbage],
      ['an id of another type', toGlobalId('Team', uuid)],
      ['a Secret id whose row id is not a uuid', toGlobalId('Secret', garbage)],
    ])('an id argument of a mutation (%s) answers its NotFoundError without the id', async (_name, id) => {
      const { t, team } = apps[mode];
      const res = await post(t.app, team.ownerToken, {
        query: `mutation { deleteSecret(input: {id: "${id}"}) { __typename ... on Error { message code } } }`,
      });
      expect(res.body).toEqual({
        data: { deleteSecret: { __typename: 'NotFoundError', message: 'No Secret with this id', code: 'NOT_FOUND' } },
      });
      expect(res.text).not.toContain(id);
      expect(res.text).not.toMatch(internals);
    });
  },
);

describe.each(modes)('request errors (%s) quote nothing of the body', (mode) => {
  test('a POST body that is not JSON: 400 BAD_REQUEST without the JSON parser’s message (it quotes the body)', async () => {
    const { t, team } = apps[mode];
    const secretAccessKey = `broken/${mode}/wJalrXUtnFEMI/K7MDENG`;
    for (const body of [`{"query": "mutation { __typename }", "variables": {"secretAccessKey": "${secretAccessKey}"`, secretAccessKey]) {
      const response = await t.app.fetch('http://cloakroom.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${team.ownerToken}` },
        body,
      });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(JSON.parse(text)).toMatchObject({
        errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }],
      });
      expect(text).not.toContain(secretAccessKey);
    }
  });
});
