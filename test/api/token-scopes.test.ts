import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { TokenScope } from '../gql/graphql.ts';
import { addMember, createTeamWithOwner, execute, executeOk, startTestApp, type TestApp, type TestTeam } from '../helpers/app.ts';
import { CreateLocation, CreateSecret } from '../helpers/documents.ts';
import { fixtures } from '../helpers/fixtures.ts';

const CreateScopedToken = graphql(`
  mutation CreateScopedToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      __typename
      ... on CreateApiTokenSuccess {
        token
        apiToken {
          scopes
        }
      }
      ... on Error {
        code
      }
    }
  }
`);

const ListSecrets = graphql(`
  query ScopedListSecrets($teamId: ID!) {
    team(id: $teamId) {
      secrets(first: 5) {
        edges {
          node {
            id
          }
        }
      }
    }
  }
`);

const RenameTeam = graphql(`
  mutation ScopedRenameTeam($input: UpdateTeamInput!) {
    updateTeam(input: $input) {
      __typename
    }
  }
`);

const NewTeam = graphql(`
  mutation ScopedCreateTeam($input: CreateTeamInput!) {
    createTeam(input: $input) {
      __typename
    }
  }
`);

let t: TestApp;
let team: TestTeam;
beforeAll(async () => {
  t = await startTestApp();
  team = await createTeamWithOwner(t.db);
});
afterAll(() => t.close());

async function scopedToken(scopes: TokenScope[] | null, userToken = team.ownerToken) {
  const data = await executeOk(t.app, CreateScopedToken, { input: { name: 'scoped', scopes } }, userToken);
  if (data.createApiToken.__typename !== 'CreateApiTokenSuccess') throw new Error(JSON.stringify(data));
  return data.createApiToken;
}

const newSecret = (token: string, name: string) =>
  executeOk(t.app, CreateSecret, { input: { teamId: team.teamId, name, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } } }, token);

describe('scoped tokens', () => {
  test('a token shows its scopes; an unscoped one shows null', async () => {
    expect((await scopedToken(['SECRETS_READ', 'LOCATIONS_WRITE'])).apiToken.scopes).toEqual(['SECRETS_READ', 'LOCATIONS_WRITE']);
    expect((await scopedToken(null)).apiToken.scopes).toBeNull();
  });

  test('secrets:read reads secrets but cannot write them, nor locations, nor the team', async () => {
    const { token } = await scopedToken(['SECRETS_READ']);
    expect((await execute(t.app, ListSecrets, { teamId: team.teamId }, token)).body.errors).toBeUndefined();
    expect((await newSecret(token, 'scoped-read')).createSecret).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await executeOk(t.app, RenameTeam, { input: { id: team.teamId, name: 'x' } }, token)).updateTeam).toMatchObject({ __typename: 'ForbiddenError' });
  });

  test('secrets:write includes secrets:read; locations need their own scope', async () => {
    const { token } = await scopedToken(['SECRETS_WRITE']);
    expect((await execute(t.app, ListSecrets, { teamId: team.teamId }, token)).body.errors).toBeUndefined();
    const created = await newSecret(token, 'scoped-write');
    if (created.createSecret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
    const location = await executeOk(
      t.app,
      CreateLocation,
      { input: { teamId: team.teamId, name: 'scoped-loc', locationType: 'S3', secretId: created.createSecret.secret.id, bucketName: 'b' } },
      token,
    );
    expect(location.createLocation).toMatchObject({ __typename: 'ForbiddenError' });
  });

  test('scopes never widen a role: a VIEWER’s secrets:write token still cannot write', async () => {
    const viewer = await addMember(t.db, team, 'VIEWER');
    const { token } = await scopedToken(['SECRETS_WRITE'], viewer.token);
    expect((await newSecret(token, 'viewer-write')).createSecret).toMatchObject({ __typename: 'ForbiddenError' });
  });

  test('a scoped token cannot mint tokens or create teams (it could widen itself)', async () => {
    const { token } = await scopedToken(['TEAM_ADMIN', 'SECRETS_WRITE']);
    expect((await executeOk(t.app, CreateScopedToken, { input: { name: 'wider' } }, token)).createApiToken).toEqual({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect((await executeOk(t.app, NewTeam, { input: { name: 'Escape' } }, token)).createTeam).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await executeOk(t.app, RenameTeam, { input: { id: team.teamId, name: 'Renamed by team:admin' } }, token)).updateTeam).toMatchObject({ __typename: 'UpdateTeamSuccess' });
  });
});
