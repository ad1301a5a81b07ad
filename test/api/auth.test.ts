import { describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { createTeamWithOwner, execute, executeOk } from '../helpers/app.ts';
import { CreateApiToken, RevokeApiToken, Viewer } from '../helpers/documents.ts';
import { useTestApp } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';
import { TOKEN_CACHE_TTL_MS } from '../../src/modules/auth/auth.service.ts';

const ViewerTokens = graphql(`
  query ViewerTokens($first: Int, $after: String) {
    viewer {
      apiTokens(first: $first, after: $after) {
        edges {
          node {
            id
            name
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

const { t, team } = useTestApp();

async function newToken(name: string, expiresAt?: string) {
  const data = await executeOk(t.app, CreateApiToken, { input: { name, expiresAt } }, team.ownerToken);
  if (data.createApiToken.__typename !== 'CreateApiTokenSuccess') throw new Error(JSON.stringify(data));
  return data.createApiToken;
}

describe('authentication', () => {
  test('a valid bearer token identifies its user and their teams', async () => {
    const data = await executeOk(t.app, Viewer, {}, team.ownerToken);
    expect(data.viewer.email).toBe(team.ownerEmail);
    // One type per id (Relay's store): the Viewer's id is its own, the User's is `user.id`.
    expect(data.viewer.user.id).toBe(team.ownerId);
    expect(data.viewer.id).toBe(Buffer.from(`Viewer:${rawId(team.ownerId)}`).toString('base64'));
    expect(data.viewer.memberships).toEqual([{ role: 'OWNER', team: { id: team.teamId, name: expect.any(String) } }]);
  });

  test.each([
    ['no header', undefined],
    ['garbage', 'not-a-token'],
    ['right shape, unknown lookup id', 'crm_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('%s → 401 UNAUTHENTICATED with a request id', async (_name, token) => {
    const res = await execute(t.app, Viewer, {}, token);
    expect(res.status).toBe(401);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', requestId: res.headers.get('x-request-id') });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a known lookup id with the wrong secret is refused', async () => {
    const wrongSecret = `${team.ownerToken.slice(0, -1)}${team.ownerToken.endsWith('A') ? 'B' : 'A'}`;
    const res = await execute(t.app, Viewer, {}, wrongSecret);
    expect(res.status).toBe(401);
  });

  test('tokens are stored only as a SHA-256 hash', async () => {
    const { token } = await newToken('hash check');
    const rows = await t.db.selectFrom('api_tokens').selectAll().execute();
    const dump = JSON.stringify(rows.map((row) => ({ ...row, secret_hash: row.secret_hash.toString('latin1') })));
    const secret = token.split('_').slice(2).join('_');
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(token);
  });
});

describe('personal API tokens', () => {
  test('createApiToken shows the token once, and it works', async () => {
    const created = await newToken('ci');
    expect(created.token).toMatch(/^crm_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const data = await executeOk(t.app, Viewer, {}, created.token);
    expect(data.viewer.email).toBe(team.ownerEmail);
    const list = await executeOk(t.app, ViewerTokens, { first: 100 }, team.ownerToken);
    expect(JSON.stringify(list)).not.toContain(created.token);
  });

  test('a revoked token fails on the next request', async () => {
    const created = await newToken('to revoke');
    expect((await execute(t.app, Viewer, {}, created.token)).status).toBe(200);
    const revoked = await executeOk(t.app, RevokeApiToken, { input: { id: created.apiToken.id } }, team.ownerToken);
    expect(revoked.revokeApiToken).toMatchObject({ __typename: 'RevokeApiTokenSuccess', apiToken: { revokedAt: expect.any(String) } });
    expect((await execute(t.app, Viewer, {}, created.token)).status).toBe(401);
    const again = await executeOk(t.app, RevokeApiToken, { input: { id: created.apiToken.id } }, team.ownerToken);
    expect(again.revokeApiToken).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND', message: expect.any(String) });
  });

  test('a token revoked elsewhere (another instance, SQL) stops working within the cache TTL', async () => {
    const created = await newToken('revoked elsewhere');
    expect((await execute(t.app, Viewer, {}, created.token)).status).toBe(200);
    const revokedAt = performance.now();
    await t.db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', rawId(created.apiToken.id)).execute();
    let status = 200;
    while (status === 200 && performance.now() - revokedAt < TOKEN_CACHE_TTL_MS + 2000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await execute(t.app, Viewer, {}, created.token)).status;
    }
    expect(status).toBe(401);
    expect(performance.now() - revokedAt).toBeLessThan(TOKEN_CACHE_TTL_MS + 500);
  });

  test("another user's token cannot be revoked (looks unknown)", async () => {
    const other = await createTeamWithOwner(t.db);
    const created = await newToken('mine');
    const res = await executeOk(t.app, RevokeApiToken, { input: { id: created.apiToken.id } }, other.ownerToken);
    expect(res.revokeApiToken).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND', message: expect.any(String) });
    expect((await execute(t.app, Viewer, {}, created.token)).status).toBe(200);
  });

  test('a scoped token revokes only itself; an unscoped token revokes any of its user’s tokens', async () => {
    const unscoped = await newToken('laptop');
    const scopedData = await executeOk(t.app, CreateApiToken, { input: { name: 'ci', scopes: ['SECRETS_READ'] } }, team.ownerToken);
    if (scopedData.createApiToken.__typename !== 'CreateApiTokenSuccess') throw new Error(JSON.stringify(scopedData));
    const scoped = scopedData.createApiToken;

    const refused = await executeOk(t.app, RevokeApiToken, { input: { id: unscoped.apiToken.id } }, scoped.token);
    expect(refused.revokeApiToken).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect((await execute(t.app, Viewer, {}, unscoped.token)).status).toBe(200);

    const itself = await executeOk(t.app, RevokeApiToken, { input: { id: scoped.apiToken.id } }, scoped.token);
    expect(itself.revokeApiToken).toMatchObject({ __typename: 'RevokeApiTokenSuccess', apiToken: { id: scoped.apiToken.id } });
    expect((await execute(t.app, Viewer, {}, scoped.token)).status).toBe(401);

    const byUnscoped = await executeOk(t.app, RevokeApiToken, { input: { id: unscoped.apiToken.id } }, team.ownerToken);
    expect(byUnscoped.revokeApiToken).toMatchObject({ __typename: 'RevokeApiTokenSuccess' });
  });

  test('an expired token is refused', async () => {
    const created = await newToken('short-lived', new Date(Date.now() + 1500).toISOString());
    expect((await execute(t.app, Viewer, {}, created.token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await execute(t.app, Viewer, {}, created.token)).status).toBe(401);
  });

  test('expiry in the past and an empty name are validation errors', async () => {
    const res = await executeOk(t.app, CreateApiToken, { input: { name: ' ', expiresAt: '2000-01-01T00:00:00Z' } }, team.ownerToken);
    expect(res.createApiToken.__typename).toBe('ValidationError');
    const past = await executeOk(t.app, CreateApiToken, { input: { name: 'x', expiresAt: '2000-01-01T00:00:00Z' } }, team.ownerToken);
    expect(past.createApiToken).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['input', 'expiresAt'], code: 'EXPIRY_IN_PAST' }],
    });
  });

  test('token list pages by cursor, newest first', async () => {
    const viewer = await createTeamWithOwner(t.db);
    for (const name of ['a', 'b', 'c']) {
      await executeOk(t.app, CreateApiToken, { input: { name } }, viewer.ownerToken);
    }
    const first = await executeOk(t.app, ViewerTokens, { first: 2 }, viewer.ownerToken);
    expect(first.viewer.apiTokens.edges.map((e) => e.node.name)).toEqual(['c', 'b']);
    expect(first.viewer.apiTokens.pageInfo.hasNextPage).toBe(true);
    const second = await executeOk(t.app, ViewerTokens, { first: 2, after: first.viewer.apiTokens.pageInfo.endCursor }, viewer.ownerToken);
    expect(second.viewer.apiTokens.edges.map((e) => e.node.name)).toEqual(['a', 'bootstrap']);
    expect(second.viewer.apiTokens.pageInfo.hasNextPage).toBe(false);
  });

  test('bad page arguments are BAD_USER_INPUT, not a server error', async () => {
    for (const variables of [
      { first: 101 },
      { first: -1 },
      { after: 'nonsense' },
      { after: Buffer.from('["x","y"]').toString('base64url') },
    ]) {
      const res = await execute(t.app, ViewerTokens, variables, team.ownerToken);
      expect(res.status).toBe(200);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
