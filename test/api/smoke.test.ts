import { afterAll, beforeAll, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { createTeamWithOwner, execute, startTestApp, type TestApp } from '../helpers/app.ts';

const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      id
      email
    }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

test('viewer answers with a token', async () => {
  const team = await createTeamWithOwner(t.db);
  const res = await execute(t.app, ViewerQuery, {}, team.ownerToken);
  expect(res.status).toBe(200);
  expect(res.body.data?.viewer.email).toBe(team.ownerEmail);
});
