import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTeamWithOwner, startTestApp, type TestApp, type TestTeam } from '../helpers/app.ts';

/** Raw GraphQL over HTTP: these tests send what no typed client would. */
async function post(app: TestApp['app'], token: string | undefined, body: unknown, headers: Record<string, string> = {}) {
  const response = await app.fetch('http://cloakroom.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] },
  };
}

let dev: TestApp;
let prod: TestApp;
let team: TestTeam;
let prodTeam: TestTeam;
beforeAll(async () => {
  [dev, prod] = await Promise.all([startTestApp(), startTestApp({ production: true })]);
  [team, prodTeam] = await Promise.all([createTeamWithOwner(dev.db), createTeamWithOwner(prod.db)]);
});
afterAll(async () => {
  await Promise.all([dev.close(), prod.close()]);
});

describe('graphql-armor rejects abusive documents before anything runs', () => {
  test.each([
    [
      'too deep',
      `{ viewer { memberships { team { members { edges { node { team { members { edges { node { team { members { edges { node { role } } } } } } } } } } } } } } }`,
    ],
    ['an alias bomb', `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`],
    ['too many directives', `{ viewer { id ${'@include(if: true) '.repeat(25)} } }`],
    ['too many tokens', `{ viewer { ${'id '.repeat(3100)} } }`],
    ['too costly', `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: viewer { ${'id email name '.repeat(120)} }`).join(' ')} }`],
  ])('%s', async (_name, query) => {
    const res = await post(dev.app, team.ownerToken, { query });
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.message).toMatch(/limit of \d+ exceeded/);
  });
});

describe('list-aware complexity (Pothos complexity plugin)', () => {
  test.each(['first', 'last'])('%s: 30 inside %s: 100 is QUERY_TOO_COMPLEX; the same shape with small pages runs', async (size) => {
    const query = (outer: number, inner: number) =>
      `query($id: ID!) { team(id: $id) { secrets(${size}: ${outer}) { edges { node { id name locations(${size}: ${inner}) { edges { node { id name bucketName region } } } } } } } }`;
    const big = await post(dev.app, team.ownerToken, { query: query(100, 30), variables: { id: team.teamId } });
    expect(big.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(big.body.data).toEqual({ team: null });
    const small = await post(dev.app, team.ownerToken, { query: query(50, 5), variables: { id: team.teamId } });
    expect(small.body.errors).toBeUndefined();
  });
});

describe('nodes(ids) is bounded like a page', () => {
  const aliases = (count: number, selection: string) =>
    `query($ids: [ID!]!) { ${Array.from({ length: count }, (_, i) => `a${i}: nodes(ids: $ids) { ${selection} }`).join(' ')} }`;

  test('at most 100 ids: 100 are answered, 101 is BAD_USER_INPUT', async () => {
    const query = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    const ok = await post(dev.app, team.ownerToken, { query, variables: { ids: Array(100).fill(team.teamId) } });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data).toEqual({ nodes: Array(100).fill({ id: team.teamId }) });
    const tooMany = await post(dev.app, team.ownerToken, { query, variables: { ids: Array(101).fill(team.teamId) } });
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooMany.body.errors?.[0]?.message).toMatch(/"ids" of "nodes" must hold at most 100 items \(got 101\)/);
    // Inside a fragment, or as a literal list, the same.
    const inFragment = await post(dev.app, team.ownerToken, {
      query: 'query($ids: [ID!]!) { ...F } fragment F on Query { nodes(ids: $ids) { id } }',
      variables: { ids: Array(101).fill(team.teamId) },
    });
    expect(inFragment.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const literal = await post(dev.app, team.ownerToken, {
      query: `{ nodes(ids: [${Array(101).fill(JSON.stringify(team.teamId)).join(',')}]) { id } }`,
    });
    expect(literal.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('a list argument multiplies complexity: 20 aliases of nodes(100 ids) with a page each cost what they return', async () => {
    // 20 × 100 teams × secrets(first: 10) — 20,000 secrets at most: QUERY_TOO_COMPLEX, nothing runs.
    const costly = await post(dev.app, team.ownerToken, {
      query: aliases(20, '... on Team { secrets(first: 10) { edges { node { id name } } } }'),
      variables: { ids: Array(100).fill(team.teamId) },
    });
    expect(costly.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(costly.body.data ?? null).toBeNull();
    // The same shape over a few ids is cheap and runs.
    const cheap = await post(dev.app, team.ownerToken, {
      query: aliases(20, '... on Team { secrets(first: 10) { edges { node { id name } } } }'),
      variables: { ids: Array(3).fill(team.teamId) },
    });
    expect(cheap.body.errors).toBeUndefined();
  });
});

describe('request size', () => {
  test('a body over 1 MB is refused with 413 before it is parsed', async () => {
    const res = await post(
      dev.app,
      team.ownerToken,
      JSON.stringify({ query: '{ viewer { id } }', variables: { pad: 'x'.repeat(1_100_000) } }),
      {
        'content-length': String(1_100_100),
      },
    );
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    // The rest of the body is never read: the connection must not carry another request.
    expect(res.headers.get('connection')).toBe('close');
  });

  test('a streamed body (no Content-Length) is refused as soon as it passes 1 MB, and closes the connection', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Endless: the limit, not the end of the body, has to stop the reading.
        sent += chunk.byteLength;
        controller.enqueue(
          sent === chunk.byteLength
            ? new TextEncoder().encode(`{"query":"{ viewer { id } }","variables":{"pad":"${'x'.repeat(1000)}`)
            : chunk,
        );
      },
    });
    const response = await dev.app.fetch('http://cloakroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${team.ownerToken}` },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(response.headers.get('connection')).toBe('close');
    expect(sent).toBeLessThan(2_000_000);
  });
});

describe('CSRF prevention', () => {
  test('a simple cross-site form post (no Authorization, no custom header) is refused before authentication', async () => {
    const response = await dev.app.fetch('http://cloakroom.test/graphql?query=%7Bviewer%7Bid%7D%7D', { method: 'GET' });
    expect(response.status).toBe(403);
  });
});

describe('production mode', () => {
  test('introspection is off in production and on in development (for GraphiQL)', async () => {
    const query = '{ __schema { queryType { name } } }';
    expect((await post(dev.app, team.ownerToken, { query })).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const res = await post(prod.app, prodTeam.ownerToken, { query });
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  test('field suggestions are hidden in production', async () => {
    const query = '{ viewr { id } }';
    expect((await post(dev.app, team.ownerToken, { query })).body.errors?.[0]?.message).toMatch(/Did you mean/);
    expect((await post(prod.app, prodTeam.ownerToken, { query })).body.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });

  test('in development, suggestions are shown with a valid token only: not before authentication', async () => {
    for (const query of ['{ viewr { id } }', '{ viewer { emial } }', 'query($o: ListOrdr) { viewer { id } }']) {
      const withToken = await post(dev.app, team.ownerToken, { query });
      expect(withToken.body.errors?.map((error) => error.message).join(' ')).toMatch(/Did you mean/);
      for (const token of [undefined, 'crm_not-a-token']) {
        const anonymous = await post(dev.app, token, { query });
        expect(anonymous.body.errors?.length).toBeGreaterThan(0);
        expect(anonymous.body.errors?.map((error) => error.message).join(' ')).not.toMatch(/Did you mean|"viewer"|"email"|"ListOrder"/);
      }
    }
  });

  test('GraphiQL is not served in production', async () => {
    const page = (app: TestApp['app']) => app.fetch('http://cloakroom.test/graphql', { headers: { accept: 'text/html' } });
    expect((await page(dev.app)).headers.get('content-type')).toMatch(/text\/html/);
    expect((await page(prod.app)).headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  });
});
