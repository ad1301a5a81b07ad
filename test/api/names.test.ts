import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { CreateSecretInput } from '../gql/graphql.ts';
import { addMember, executeOk } from '../helpers/app.ts';
import { CreateLocation, CreateSecret, CreateVaultConnection, UpdateSecret } from '../helpers/documents.ts';
import { fixtures, useTestApp } from '../helpers/fixtures.ts';
import { rawId, unknownId } from '../helpers/ids.ts';

const { t, team } = useTestApp();

const unique = () => randomUUID().slice(0, 8);
const ERROR_FIELDS = '__typename ... on Error { code message } ... on ValidationError { fieldErrors { path code } }';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a raw response body: its shape is the query's, and the assertions that read it check it
type PostBody = { data?: Record<string, any>; errors?: { extensions?: { code?: string } }[] };

/** A raw POST (as any client would send it: JSON.stringify escapes a lone surrogate as "\ud800"); returns the JSON body. */
async function post(query: string, variables: Record<string, unknown>, token = team.ownerToken): Promise<PostBody> {
  const response = await t.app.fetch('http://cloakroom.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBeLessThan(500);
  return (await response.json()) as never;
}

/** `mutation` (a create field, by name) through a raw POST: its result, with the error fields. */
async function createByField(mutation: string, input: object) {
  const type = `${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input`;
  return (await post(`mutation($input: ${type}!) { ${mutation}(input: $input) { ${ERROR_FIELDS} } }`, { input })).data?.[mutation];
}

/** A valid create input named `name` for each named thing besides secrets and locations (which the tests build themselves). */
const otherNamedInputs = (name: string) =>
  [
    ['createWorkspace', { teamId: team.teamId, name }],
    ['createTeam', { name }],
    ['createApiToken', { name }],
    [
      'createVaultConnection',
      { teamId: team.teamId, name, vaultType: 'ONEPASSWORD', credentials: { onePassword: { accessToken: `ops_${randomUUID()}` } } },
    ],
  ] as const;

async function createSecret(input: Partial<CreateSecretInput>, token = team.ownerToken) {
  return (await executeOk(t.app, CreateSecret, { input: { teamId: team.teamId, ...input } }, token)).createSecret;
}
const envSecret = (name: string, shared = true): Partial<CreateSecretInput> => ({
  name,
  shared,
  secretType: 'ENV',
  credentials: { envVars: [{ key: 'API_TOKEN', value: `value-${randomUUID()}` }] },
});
const s3Secret = (name: string): Partial<CreateSecretInput> => ({
  name,
  secretType: 'S3',
  credentials: { accessKey: fixtures.accessKey() },
});

async function secretByName(name: string, token: string): Promise<string | null> {
  const body = await post(
    'query($teamId: ID!, $name: String!) { team(id: $teamId) { secretByName(name: $name) { id } } }',
    { teamId: team.teamId, name },
    token,
  );
  return body.data?.team?.secretByName?.id ?? null;
}

describe('no existence oracle: PRIVATE names are unique per owner, TEAM names among TEAM secrets', () => {
  test('a name another member holds PRIVATE is free for me; my own is NAME_TAKEN; secretByName answers my own first', async () => {
    const alice = await addMember(t.db, team, 'OPERATOR');
    const bob = await addMember(t.db, team, 'OPERATOR');
    const viewer = await addMember(t.db, team, 'VIEWER');
    const name = `deploy-key-${unique()}`;
    const mine = await createSecret(envSecret(name, false), alice.token);
    expect(mine).toMatchObject({ __typename: 'CreateSecretSuccess' });
    // Bob cannot see Alice's secret: the same name must not tell him it exists.
    const his = await createSecret(envSecret(name, false), bob.token);
    expect(his).toMatchObject({ __typename: 'CreateSecretSuccess' });
    // A TEAM secret of that name too (OWNER and ADMIN see that PRIVATE ones exist, but they never block a TEAM name).
    const shared = await createSecret(envSecret(name), team.ownerToken);
    expect(shared).toMatchObject({ __typename: 'CreateSecretSuccess' });
    if (
      mine.__typename !== 'CreateSecretSuccess' ||
      his.__typename !== 'CreateSecretSuccess' ||
      shared.__typename !== 'CreateSecretSuccess'
    )
      throw new Error('unreachable');

    // Within one scope, a name is still one name (case and compatibility forms included).
    expect(await createSecret(envSecret(name.toUpperCase(), false), alice.token)).toMatchObject({
      __typename: 'ConflictError',
      code: 'NAME_TAKEN',
      message: expect.stringContaining('You already have a PRIVATE secret'),
    });
    expect(await createSecret(envSecret(name.toUpperCase()), team.ownerToken)).toMatchObject({
      __typename: 'ConflictError',
      code: 'NAME_TAKEN',
    });

    expect(await secretByName(name, alice.token)).toBe(mine.secret.id);
    expect(await secretByName(name.toUpperCase(), bob.token)).toBe(his.secret.id);
    expect(await secretByName(name, viewer.token)).toBe(shared.secret.id);
    expect(await secretByName(name, team.ownerToken)).toBe(shared.secret.id);

    // Taking a TEAM secret private (ADMIN/OWNER) collides only with the caller's own PRIVATE names; sharing one only with TEAM names.
    const ownerPrivate = await createSecret(envSecret(`owner-${name}`, false), team.ownerToken);
    expect(ownerPrivate).toMatchObject({ __typename: 'CreateSecretSuccess' });
    const teamTwin = await createSecret(envSecret(`owner-${name}`), team.ownerToken);
    if (teamTwin.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(teamTwin));
    expect(
      (await executeOk(t.app, UpdateSecret, { input: { id: teamTwin.secret.id, shared: false } }, team.ownerToken)).updateSecret,
    ).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN' });
    expect(
      (await executeOk(t.app, UpdateSecret, { input: { id: mine.secret.id, shared: true } }, team.ownerToken)).updateSecret,
    ).toMatchObject({ __typename: 'ForbiddenError' });
  });
});

describe('lookalikes are one name: NFKC normalisation and case folding', () => {
  const pairs: [string, string, string][] = [
    ['the ﬁ ligature', 'ﬁle', 'file'],
    ['NFD and NFC', 'cafe\u0301', 'caf\u00e9'],
    ['full case folding', 'Straße', 'STRASSE'],
    ['fullwidth letters', 'ｐｒｏｄ', 'PROD'],
    ['a no-break space', 'prod\u00a0db', 'prod db'],
  ];
  for (const [what, first, second] of pairs) {
    test(`secrets: ${what}`, async () => {
      const suffix = unique();
      expect(await createSecret(s3Secret(`${first}-${suffix}`))).toMatchObject({
        __typename: 'CreateSecretSuccess',
        secret: { name: `${first}-${suffix}` },
      });
      expect(await createSecret(s3Secret(`${second}-${suffix}`))).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN' });
      // Stored as given; found by either spelling.
      expect(await secretByName(`${second}-${suffix}`, team.ownerToken)).not.toBeNull();
    });
  }

  test('renaming into a lookalike of another secret is NAME_TAKEN too', async () => {
    const suffix = unique();
    await createSecret(s3Secret(`ﬁle-${suffix}`));
    const other = await createSecret(s3Secret(`other-${suffix}`));
    if (other.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(other));
    expect(
      (await executeOk(t.app, UpdateSecret, { input: { id: other.secret.id, name: `FILE-${suffix}` } }, team.ownerToken)).updateSecret,
    ).toMatchObject({ code: 'NAME_TAKEN' });
  });

  test('locations, vault connections and workspaces follow the same rule', async () => {
    const suffix = unique();
    const secret = await createSecret(s3Secret(`for-locations-${suffix}`));
    if (secret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(secret));
    const location = (name: string) =>
      executeOk(
        t.app,
        CreateLocation,
        { input: { teamId: team.teamId, name, locationType: 'S3', secretId: secret.secret.id, bucketName: 'bucket', region: 'us-east-1' } },
        team.ownerToken,
      );
    expect((await location(`ﬁle-${suffix}`)).createLocation).toMatchObject({ __typename: 'CreateLocationSuccess' });
    expect((await location(`FILE-${suffix}`)).createLocation).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN' });

    const vault = (name: string) =>
      executeOk(
        t.app,
        CreateVaultConnection,
        {
          input: {
            teamId: team.teamId,
            name,
            vaultType: 'ONEPASSWORD',
            credentials: { onePassword: { accessToken: `ops_${randomUUID()}` } },
          },
        },
        team.ownerToken,
      );
    expect((await vault(`cafe\u0301-${suffix}`)).createVaultConnection).toMatchObject({ __typename: 'CreateVaultConnectionSuccess' });
    expect((await vault(`CAF\u00c9-${suffix}`)).createVaultConnection).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN' });

    const workspace = (name: string) => createByField('createWorkspace', { teamId: team.teamId, name });
    expect(await workspace(`Straße-${suffix}`)).toMatchObject({ __typename: 'CreateWorkspaceSuccess' });
    expect(await workspace(`strasse-${suffix}`)).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN' });
  });
});

describe('invisible and control characters are refused in names', () => {
  const invisible: [string, string][] = [
    ['a zero-width space', '\u200b'],
    ['a soft hyphen', '\u00ad'],
    ['a zero-width joiner', '\u200d'],
    ['a right-to-left override', '\u202e'],
    ['a byte order mark', '\ufeff'],
    ['a Hangul filler', '\u3164'],
    ['a control character (BEL)', '\u0007'],
    ['a tab', '\t'],
    ['a line separator', '\u2028'],
  ];
  for (const [what, character] of invisible) {
    test(`${what}: ValidationError INVALID_CHARACTERS at input.name, for every named thing; nothing stored`, async () => {
      const name = `pro${character}d-${unique()}`;
      expect(await createSecret(s3Secret(name))).toMatchObject({
        __typename: 'ValidationError',
        fieldErrors: [{ path: ['input', 'name'], code: 'INVALID_CHARACTERS' }],
      });
      const secret = await createSecret(s3Secret(`plain-${unique()}`));
      if (secret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(secret));
      expect((await executeOk(t.app, UpdateSecret, { input: { id: secret.secret.id, name } }, team.ownerToken)).updateSecret).toMatchObject(
        {
          __typename: 'ValidationError',
          fieldErrors: [{ path: ['input', 'name'], code: 'INVALID_CHARACTERS' }],
        },
      );
      for (const [mutation, input] of otherNamedInputs(name)) {
        expect(await createByField(mutation, input), mutation).toMatchObject({
          __typename: 'ValidationError',
          fieldErrors: [{ path: ['input', 'name'], code: 'INVALID_CHARACTERS' }],
        });
      }
      const stored = await t.db.selectFrom('secrets').select('id').where('name', '=', name).execute();
      expect(stored).toEqual([]);
    });
  }

  test('ordinary non-ASCII names are welcome', async () => {
    for (const name of [`café-${unique()}`, `数据-${unique()}`, `prod 🙂 ${unique()}`, `Ünïcödé ${unique()}`]) {
      expect(await createSecret(s3Secret(name)), name).toMatchObject({ __typename: 'CreateSecretSuccess', secret: { name } });
    }
  });
});

describe('surrounding whitespace: one behaviour for every name', () => {
  test('a name that starts or ends with whitespace is refused (VALIDATION_FAILED at input.name), never trimmed silently', async () => {
    const name = ` padded-${unique()} `;
    for (const [mutation, input] of [
      ['createSecret', { teamId: team.teamId, ...s3Secret(name) }],
      ['createLocation', { teamId: team.teamId, name, locationType: 'S3', secretId: unknownId('Secret'), bucketName: 'b' }],
      ...otherNamedInputs(name),
    ] as const) {
      expect(await createByField(mutation, input), mutation).toMatchObject({
        __typename: 'ValidationError',
        code: 'VALIDATION_FAILED',
        fieldErrors: [{ path: ['input', 'name'] }],
      });
    }
    for (const table of ['secrets', 'locations', 'workspaces', 'teams', 'api_tokens', 'vault_connections'] as const) {
      expect(await t.db.selectFrom(table).select('id').where('name', 'in', [name, name.trim()]).execute(), table).toEqual([]);
    }
  });
});

describe('lone UTF-16 surrogates are refused, in names and in values', () => {
  const lone = ['\ud800', '\udfff', 'x\udc00y'];

  test('names and values sent as JSON "\\ud800": ValidationError INVALID_CHARACTERS at the path; nothing stored', async () => {
    for (const half of lone) {
      const value = `value-${randomUUID()}${half}`;
      const create = (input: Record<string, unknown>) =>
        post(`mutation($input: CreateSecretInput!) { createSecret(input: $input) { ${ERROR_FIELDS} } }`, {
          input: { teamId: team.teamId, ...input },
        });
      const cases: [Record<string, unknown>, string[]][] = [
        [{ name: `name-${half}`, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } }, ['input', 'name']],
        [
          { name: `env-${unique()}`, secretType: 'ENV', credentials: { envVars: [{ key: 'API_TOKEN', value }] } },
          ['input', 'credentials', 'envVars', '0', 'value'],
        ],
        [
          {
            name: `s3-${unique()}`,
            secretType: 'S3',
            credentials: { accessKey: { ...fixtures.accessKey(), secretAccessKey: `${fixtures.accessKey().secretAccessKey}${half}` } },
          },
          ['input', 'credentials', 'accessKey', 'secretAccessKey'],
        ],
        [{ preset: 'openai', value, name: `preset-${unique()}` }, ['input', 'value']],
      ];
      for (const [input, path] of cases) {
        const body = await create(input);
        expect(body.data?.createSecret, path.join('.')).toMatchObject({
          __typename: 'ValidationError',
          fieldErrors: [{ path, code: 'INVALID_CHARACTERS' }],
        });
        const stored = await t.db.selectFrom('secrets').select('id').where('name', '=', String(input.name)).execute();
        expect(stored).toEqual([]);
      }
    }
  });

  test('updateSecret values and addValues, vault connection credentials, and a query argument', async () => {
    const secret = await createSecret(envSecret(`env-${unique()}`));
    if (secret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(secret));
    const before = await t.db.selectFrom('secrets').select('version').where('id', '=', rawId(secret.secret.id)).executeTakeFirstOrThrow();
    const update = (input: Record<string, unknown>) =>
      post(`mutation($input: UpdateSecretInput!) { updateSecret(input: $input) { ${ERROR_FIELDS} } }`, {
        input: { id: secret.secret.id, ...input },
      });
    expect((await update({ addValues: [{ key: 'OTHER', value: 'half-\ud83d' }] })).data?.updateSecret).toMatchObject({
      fieldErrors: [{ path: ['input', 'addValues', '0', 'value'], code: 'INVALID_CHARACTERS' }],
    });
    expect((await update({ values: [{ key: 'API_TOKEN', value: '\ude00-half' }] })).data?.updateSecret).toMatchObject({
      fieldErrors: [{ path: ['input', 'values', '0', 'value'], code: 'INVALID_CHARACTERS' }],
    });
    expect(await t.db.selectFrom('secrets').select('version').where('id', '=', rawId(secret.secret.id)).executeTakeFirstOrThrow()).toEqual(
      before,
    );

    const vault = await post(`mutation($input: CreateVaultConnectionInput!) { createVaultConnection(input: $input) { ${ERROR_FIELDS} } }`, {
      input: {
        teamId: team.teamId,
        name: `vault-${unique()}`,
        vaultType: 'ONEPASSWORD',
        credentials: { onePassword: { accessToken: 'ops_\ud800' } },
      },
    });
    expect(vault.data?.createVaultConnection).toMatchObject({
      fieldErrors: [{ path: ['input', 'credentials', 'onePassword', 'accessToken'], code: 'INVALID_CHARACTERS' }],
    });

    const query = await post('query($teamId: ID!, $name: String!) { team(id: $teamId) { secretByName(name: $name) { id } } }', {
      teamId: team.teamId,
      name: 'x\ud800',
    });
    expect(query.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('a well-formed pair (an emoji) is an ordinary character', async () => {
    expect(await createSecret(envSecret(`emoji-\ud83d\ude00-${unique()}`))).toMatchObject({ __typename: 'CreateSecretSuccess' });
  });
});
