import { randomBytes } from 'node:crypto';
import { getNamedType, isInputObjectType } from 'graphql';
import type { Updateable } from 'kysely';
import { describe, expect, test } from 'vitest';
import { schema } from '../../src/graphql/schema.ts';
import { graphql } from '../gql/index.ts';
import type { CreateLocationInput, SecretCredentialsInput, SecretType, UpdateLocationInput } from '../gql/graphql.ts';
import { addMember, createTeamWithOwner, execute, executeOk, type TestTeam } from '../helpers/app.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';
import { CreateLocation, CreateSecret, DeleteLocation, NodeById, NodesById, TeamLocations, UpdateLocation } from '../helpers/documents.ts';
import { credentialsFor, useTestApp, uniqueName } from '../helpers/fixtures.ts';
import type { LocationTable } from '../../src/modules/location/location.tables.ts';
import { LOCATION_TYPES } from '../../src/modules/location/location.rules.ts';
import { defaultAuthMethod } from '../../src/modules/secret/provider-catalogue.ts';
import { rawId, unknownId } from '../helpers/ids.ts';

const SecretsWithLocations = graphql(`
  query SecretsWithLocations($ids: [ID!]!, $first: Int, $after: String) {
    nodes(ids: $ids) {
      __typename
      ... on Secret {
        id
        locationCount
        locations(first: $first, after: $after) {
          edges {
            cursor
            node {
              id
              name
              secret {
                id
                locationCount
              }
            }
          }
          pageInfo {
            ...PageInfoFields
          }
        }
      }
    }
  }
`);

const { t, team } = useTestApp();

const randomText = (prefix: string) => `${prefix}-${randomBytes(8).toString('hex')}`;

async function createSecret(secretType: SecretType = 'S3', owner: TestTeam = team) {
  const input = {
    teamId: owner.teamId,
    name: uniqueName(`secret-${secretType.toLowerCase()}`),
    secretType,
    authMethod: secretType === 'AZURE_BLOB' ? ('AZURE_SAS_URL' as const) : null,
    credentials: credentialsFor(secretType === 'AZURE_BLOB' ? 'AZURE_SAS_URL' : defaultAuthMethod(secretType)!) as SecretCredentialsInput,
  };
  const result = (await executeOk(t.app, CreateSecret, { input }, owner.ownerToken)).createSecret;
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(`createSecret(${secretType}) failed: ${JSON.stringify(result)}`);
  return result.secret;
}

async function create(input: Partial<CreateLocationInput> & { secretId: string }, token = team.ownerToken) {
  const full: CreateLocationInput = { teamId: team.teamId, name: uniqueName('loc'), locationType: 'S3', bucketName: 'bucket', ...input };
  return (await executeOk(t.app, CreateLocation, { input: full }, token)).createLocation;
}

async function createOk(input: Partial<CreateLocationInput> & { secretId: string }, token = team.ownerToken) {
  const result = await create(input, token);
  if (result.__typename !== 'CreateLocationSuccess') throw new Error(`createLocation failed: ${JSON.stringify(result)}`);
  return result.location;
}

async function update(input: UpdateLocationInput, token = team.ownerToken) {
  return (await executeOk(t.app, UpdateLocation, { input }, token)).updateLocation;
}

async function remove(id: string, expectedVersion?: number, token = team.ownerToken) {
  return (await executeOk(t.app, DeleteLocation, { input: { id, expectedVersion } }, token)).deleteLocation;
}

async function locationNode(id: string, token = team.ownerToken) {
  const { node } = await executeOk(t.app, NodeById, { id }, token);
  if (node && node.__typename !== 'Location') throw new Error(`expected a Location, got ${node.__typename}`);
  return node;
}

async function secretNode(id: string) {
  const { node } = await executeOk(t.app, NodeById, { id }, team.ownerToken);
  if (!node || node.__typename !== 'Secret') throw new Error(`expected a Secret, got ${JSON.stringify(node)}`);
  return node;
}

/** The audit rows about one object, oldest first. */
const auditRows = (globalId: string) => auditEventsOf(t.db, globalId);

async function locationNamesInTeam(search: string) {
  const data = await executeOk(t.app, TeamLocations, { teamId: team.teamId, first: 100, filter: { search } }, team.ownerToken);
  return data.team!.locations.edges.map((edge) => edge.node.name);
}

describe('createLocation, updateLocation, deleteLocation', () => {
  test('the full life cycle: versions bump by one, expectedVersion is compare-and-set, audit rows name fields only', async () => {
    const secret = await createSecret('S3');
    const values = {
      name: uniqueName('Data-Lake'),
      description: randomText('desc'),
      bucketName: randomText('bucket'),
      region: 'eu-west-1',
      endpointUrl: `https://${randomText('s3')}.example.com`,
    };
    const created = await createOk({ ...values, secretId: secret.id });
    expect(created.locationType).toBe('S3');

    const afterCreate = await locationNode(created.id);
    expect(afterCreate).toMatchObject({
      __typename: 'Location',
      ...values,
      locationType: 'S3',
      version: 1,
      secret: { id: secret.id, secretType: 'S3', locationCount: 1 },
      team: { id: team.teamId },
      createdBy: { email: team.ownerEmail },
      updatedBy: { email: team.ownerEmail },
    });

    const newBucket = randomText('bucket');
    const updated = await update({ id: created.id, bucketName: newBucket, description: null, expectedVersion: 1 });
    expect(updated).toMatchObject({
      __typename: 'UpdateLocationSuccess',
      location: { version: 2, bucketName: newBucket, description: null, name: values.name, region: 'eu-west-1' },
    });

    const stale = await update({ id: created.id, bucketName: 'stale-write', expectedVersion: 1 });
    expect(stale).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });
    expect(await locationNode(created.id)).toMatchObject({ version: 2, bucketName: newBucket });

    const unconditional = await update({ id: created.id, region: null, endpointUrl: null });
    expect(unconditional).toMatchObject({ location: { version: 3, region: null, endpointUrl: null } });

    expect(await remove(created.id, 2)).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });
    expect(await locationNode(created.id)).toMatchObject({ version: 3 });
    expect(await remove(created.id, 3)).toEqual({ __typename: 'DeleteLocationSuccess', deletedLocationId: created.id });
    expect(await locationNode(created.id)).toBeNull();
    expect(await remove(created.id)).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect((await secretNode(secret.id)).locationCount).toBe(0);

    const rows = await auditRows(created.id);
    expect(rows.map((row) => [row.action, row.target_version, [...row.changed_fields].sort()])).toEqual([
      ['location.created', 1, ['bucketName', 'description', 'endpointUrl', 'locationType', 'name', 'region', 'secretId']],
      ['location.updated', 2, ['bucketName', 'description']],
      ['location.updated', 3, ['endpointUrl', 'region']],
      ['location.deleted', 3, []],
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({
        target_type: 'Location',
        outcome: 'SUCCESS',
        team_id: rawId(team.teamId),
        actor_user_id: rawId(team.ownerId),
      });
      const text = JSON.stringify(row);
      for (const value of [values.description, values.bucketName, values.endpointUrl, newBucket, 'eu-west-1', 'stale-write'])
        expect(text).not.toContain(value);
    }
  });

  test('a failed change writes no audit row and bumps nothing', async () => {
    const secret = await createSecret('S3');
    const location = await createOk({ secretId: secret.id });
    await update({ id: location.id, name: 'x'.repeat(256) });
    await update({ id: location.id, bucketName: 'b', expectedVersion: 7 });
    expect(await locationNode(location.id)).toMatchObject({ version: 1 });
    expect((await auditRows(location.id)).map((row) => row.action)).toEqual(['location.created']);
  });
});

describe('LOCATION_TYPE_MISMATCH: a location needs a secret of its own type', () => {
  test('on create: LOCATION_TYPE_MISMATCH, and nothing is created', async () => {
    const s3 = await createSecret('S3');
    const name = uniqueName('mismatch');
    const result = await create({ name, locationType: 'R2', secretId: s3.id });
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      code: 'LOCATION_TYPE_MISMATCH',
      fieldErrors: [{ path: ['input', 'secretId'], code: 'LOCATION_TYPE_MISMATCH' }],
    });
    expect(await locationNamesInTeam(name)).toEqual([]);
    expect((await secretNode(s3.id)).locationCount).toBe(0);

    for (const secretType of LOCATION_TYPES.filter((type) => type !== 'S3')) {
      const secret = await createSecret(secretType);
      expect(await create({ locationType: 'S3', secretId: secret.id })).toMatchObject({ code: 'LOCATION_TYPE_MISMATCH' });
      expect(await create({ locationType: secretType, secretId: secret.id })).toMatchObject({
        __typename: 'CreateLocationSuccess',
        location: { locationType: secretType },
      });
    }
  });

  test('on relink: updateLocation with a secret of another type is LOCATION_TYPE_MISMATCH; one of the same type relinks', async () => {
    const first = await createSecret('S3');
    const location = await createOk({ locationType: 'S3', secretId: first.id });
    const r2 = await createSecret('R2');
    const refused = await update({ id: location.id, secretId: r2.id, bucketName: 'moved' });
    expect(refused).toMatchObject({
      __typename: 'ValidationError',
      code: 'LOCATION_TYPE_MISMATCH',
      fieldErrors: [{ path: ['input', 'secretId'] }],
    });
    expect(await locationNode(location.id)).toMatchObject({ version: 1, bucketName: 'bucket', secret: { id: first.id } });
    expect((await secretNode(r2.id)).locationCount).toBe(0);

    const second = await createSecret('S3');
    const relinked = await update({ id: location.id, secretId: second.id, expectedVersion: 1 });
    expect(relinked).toMatchObject({
      __typename: 'UpdateLocationSuccess',
      location: { version: 2, secret: { id: second.id, locationCount: 1 } },
    });
    expect((await secretNode(first.id)).locationCount).toBe(0);
    expect((await auditRows(location.id)).at(-1)).toMatchObject({
      action: 'location.updated',
      changed_fields: ['secretId'],
      target_version: 2,
    });
  });

  test('an ENV secret exists (createSecret accepts envVars) but can never back a location', async () => {
    const env = await createSecret('ENV');
    expect(env).toMatchObject({ secretType: 'ENV', authMethod: 'ENV_VARS', storage: 'NATIVE', envVarKeys: ['API_KEY'] });

    for (const locationType of LOCATION_TYPES) {
      expect(await create({ locationType, secretId: env.id })).toMatchObject({
        __typename: 'ValidationError',
        code: 'LOCATION_TYPE_MISMATCH',
      });
    }
    const location = await createOk({ locationType: 'S3', secretId: (await createSecret('S3')).id });
    expect(await update({ id: location.id, secretId: env.id })).toMatchObject({ code: 'LOCATION_TYPE_MISMATCH' });

    // ENV is not a LocationType at all: the request is refused before anything runs.
    const envLocation = await execute(
      t.app,
      CreateLocation,
      { input: { teamId: team.teamId, name: uniqueName('env'), locationType: 'ENV' as 'S3', secretId: env.id, bucketName: 'b' } },
      team.ownerToken,
    );
    expect(envLocation.status).toBe(400);
    expect(envLocation.body.errors?.[0]?.message).toMatch(/LocationType/);
    expect((await secretNode(env.id)).locationCount).toBe(0);
  });

  test('locationType is immutable: UpdateLocationInput has no such field, and sending one is refused', async () => {
    const served = schema.getType('UpdateLocationInput');
    if (!isInputObjectType(served)) throw new Error('UpdateLocationInput is not an input type');
    expect(Object.keys(served.getFields())).not.toContain('locationType');
    expect(Object.keys(served.getFields())).toEqual(expect.arrayContaining(['id', 'secretId', 'bucketName', 'expectedVersion']));
    const create = schema.getType('CreateLocationInput');
    if (!isInputObjectType(create)) throw new Error('CreateLocationInput is not an input type');
    expect(getNamedType(create.getFields().locationType!.type).name).toBe('LocationType');

    const location = await createOk({ locationType: 'S3', secretId: (await createSecret('S3')).id });
    const sneaky = await execute(
      t.app,
      UpdateLocation,
      { input: { id: location.id, locationType: 'R2' } as UpdateLocationInput },
      team.ownerToken,
    );
    expect(sneaky.status).toBe(400);
    expect(sneaky.body.errors?.[0]?.message).toMatch(/"locationType" is not defined by type "UpdateLocationInput"/);
    expect(await locationNode(location.id)).toMatchObject({ locationType: 'S3', version: 1 });
  });

  test('the database holds it too: writes that bypass the services are refused (migration 0011)', async () => {
    const secret = await createSecret('S3');
    const location = await createOk({ locationType: 'S3', secretId: secret.id });
    const other = await createSecret('R2');
    const refusedBy = async (write: Promise<unknown>) => {
      const error = await write.then(
        () => null,
        (caught: unknown) => caught as { code?: string; constraint?: string },
      );
      expect(error).toMatchObject({ code: '23503', constraint: 'locations_secret_type_fkey' });
    };
    const setLocationRow = (values: Updateable<LocationTable>) =>
      t.db.updateTable('locations').set(values).where('id', '=', rawId(location.id)).execute();
    // A location changing type under its secret, a secret changing type under its location, a link to a secret of another type.
    await refusedBy(setLocationRow({ location_type: 'R2' }));
    await refusedBy(
      t.db.updateTable('secrets').set({ secret_type: 'R2', auth_method: 'R2_ACCESS_KEY' }).where('id', '=', rawId(secret.id)).execute(),
    );
    await refusedBy(setLocationRow({ secret_id: rawId(other.id) }));
    expect(await locationNode(location.id)).toMatchObject({ locationType: 'S3', version: 1, secret: { id: secret.id } });
  });
});

describe('VALIDATION_FAILED: bucketName and endpointUrl', () => {
  test('bucketName is 1–255 characters, on create and on update', async () => {
    const secret = await createSecret('S3');
    expect(await create({ bucketName: '', secretId: secret.id })).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['input', 'bucketName'] }],
    });
    expect(await create({ bucketName: 'b'.repeat(256), secretId: secret.id })).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['input', 'bucketName'] }],
    });
    const longest = await createOk({ bucketName: 'b'.repeat(255), secretId: secret.id });
    expect(await locationNode(longest.id)).toMatchObject({ bucketName: 'b'.repeat(255) });
    const shortest = await createOk({ bucketName: 'b', secretId: secret.id });
    expect(await update({ id: shortest.id, bucketName: '' })).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['input', 'bucketName'] }],
    });
    expect(await update({ id: shortest.id, bucketName: 'c'.repeat(256) })).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['input', 'bucketName'] }],
    });
    expect(await locationNode(shortest.id)).toMatchObject({ bucketName: 'b', version: 1 });
  });

  test('endpointUrl must be https: http and non-URLs are a ValidationError at ["input", "endpointUrl"]', async () => {
    const secret = await createSecret('S3');
    for (const endpointUrl of ['http://minio.internal:9000', 'ftp://files.example.com', 'not a url', 'minio.example.com']) {
      expect(await create({ endpointUrl, secretId: secret.id })).toMatchObject({
        __typename: 'ValidationError',
        fieldErrors: [{ path: ['input', 'endpointUrl'] }],
      });
    }
    const location = await createOk({ endpointUrl: 'https://minio.example.com:9000', secretId: secret.id });
    expect(await locationNode(location.id)).toMatchObject({ endpointUrl: 'https://minio.example.com:9000' });
    expect(await update({ id: location.id, endpointUrl: 'http://minio.example.com' })).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['input', 'endpointUrl'] }],
    });
    expect(await locationNode(location.id)).toMatchObject({ endpointUrl: 'https://minio.example.com:9000', version: 1 });
  });
});

describe('names, teams and roles', () => {
  test('NAME_TAKEN: location names are unique per team case-insensitively, on create and on rename', async () => {
    const secret = await createSecret('S3');
    const name = uniqueName('Raw-Events');
    await createOk({ name, secretId: secret.id });
    expect(await create({ name: name.toUpperCase(), secretId: secret.id })).toMatchObject({
      __typename: 'ConflictError',
      code: 'NAME_TAKEN',
    });
    expect(await create({ name: name.toLowerCase(), secretId: secret.id })).toMatchObject({
      __typename: 'ConflictError',
      code: 'NAME_TAKEN',
    });
    const other = await createOk({ secretId: secret.id });
    expect(await update({ id: other.id, name: name.toUpperCase() })).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN' });
    expect(await locationNode(other.id)).toMatchObject({ version: 1 });

    const otherTeam = await createTeamWithOwner(t.db);
    const theirSecret = await createSecret('S3', otherTeam);
    const elsewhere = await executeOk(
      t.app,
      CreateLocation,
      { input: { teamId: otherTeam.teamId, name, locationType: 'S3', secretId: theirSecret.id, bucketName: 'b' } },
      otherTeam.ownerToken,
    );
    expect(elsewhere.createLocation.__typename).toBe('CreateLocationSuccess');
  });

  test("another team's secret is NotFound, on create and on relink", async () => {
    const otherTeam = await createTeamWithOwner(t.db);
    const theirSecret = await createSecret('S3', otherTeam);
    const name = uniqueName('borrowed');
    expect(await create({ name, secretId: theirSecret.id })).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await locationNamesInTeam(name)).toEqual([]);
    const location = await createOk({ secretId: (await createSecret('S3')).id });
    expect(await update({ id: location.id, secretId: theirSecret.id })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await update({ id: location.id, secretId: unknownId('Secret') })).toMatchObject({ __typename: 'NotFoundError' });
    // An empty id names nothing: refused, not taken for "no relink" (found by the malformed corpus, seed 44444).
    expect(await update({ id: location.id, secretId: '' })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await locationNode(location.id)).toMatchObject({ version: 1 });
    const theirs = await executeOk(t.app, NodeById, { id: theirSecret.id }, otherTeam.ownerToken);
    expect(theirs.node).toMatchObject({ locationCount: 0 });
  });

  test('VIEWER and OPERATOR read locations but cannot create, update or delete them (ForbiddenError)', async () => {
    const secret = await createSecret('S3');
    const location = await createOk({ secretId: secret.id });
    for (const role of ['VIEWER', 'OPERATOR'] as const) {
      const member = await addMember(t.db, team, role);
      expect(await locationNode(location.id, member.token)).toMatchObject({ id: location.id, version: 1 });
      expect(await create({ secretId: secret.id }, member.token)).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      expect(await update({ id: location.id, bucketName: 'mine' }, member.token)).toMatchObject({ __typename: 'ForbiddenError' });
      expect(await remove(location.id, undefined, member.token)).toMatchObject({ __typename: 'ForbiddenError' });
    }
    expect(await locationNode(location.id)).toMatchObject({ version: 1, bucketName: 'bucket' });
    const admin = await addMember(t.db, team, 'ADMIN');
    expect(await update({ id: location.id, bucketName: 'by-admin' }, admin.token)).toMatchObject({
      location: { version: 2, updatedBy: { email: admin.email } },
    });
  });
});

describe('Location.secret, Secret.locations and node(id)', () => {
  test('Secret.locations lists its locations by name (case-insensitively), paginated, and agrees with locationCount and Location.secret', async () => {
    const one = await createSecret('S3');
    const two = await createSecret('S3');
    const stem = randomBytes(3).toString('hex');
    // Case-insensitive order (A b c D) differs from byte order (A D b c).
    const names = [`b-${stem}`, `D-${stem}`, `A-${stem}`, `c-${stem}`];
    const oneLocations = new Map<string, string>();
    for (const name of names) oneLocations.set(name, (await createOk({ name, secretId: one.id })).id);
    const twoLocation = await createOk({ name: `z-${stem}`, secretId: two.id });

    const all = await executeOk(t.app, SecretsWithLocations, { ids: [one.id, two.id], first: 10 }, team.ownerToken);
    const [first, second] = all.nodes.map((node) => {
      if (node?.__typename !== 'Secret') throw new Error('expected secrets');
      return node;
    });
    const ordered = [`A-${stem}`, `b-${stem}`, `c-${stem}`, `D-${stem}`];
    expect(first!.locationCount).toBe(4);
    expect(first!.locations.edges.map((edge) => edge.node.name)).toEqual(ordered);
    expect(first!.locations.edges.map((edge) => edge.node.id)).toEqual(ordered.map((name) => oneLocations.get(name)));
    for (const edge of first!.locations.edges) expect(edge.node.secret).toEqual({ id: one.id, locationCount: 4 });
    expect(second).toMatchObject({
      id: two.id,
      locationCount: 1,
      locations: { edges: [{ node: { id: twoLocation.id, secret: { id: two.id } } }], pageInfo: { hasNextPage: false } },
    });

    const page1 = await executeOk(t.app, SecretsWithLocations, { ids: [one.id], first: 2 }, team.ownerToken);
    const p1 = page1.nodes[0];
    if (p1?.__typename !== 'Secret') throw new Error('expected a secret');
    expect(p1.locations.edges.map((edge) => edge.node.name)).toEqual([`A-${stem}`, `b-${stem}`]);
    expect(p1.locations.pageInfo.hasNextPage).toBe(true);
    const page2 = await executeOk(
      t.app,
      SecretsWithLocations,
      { ids: [one.id], first: 2, after: p1.locations.pageInfo.endCursor },
      team.ownerToken,
    );
    const p2 = page2.nodes[0];
    if (p2?.__typename !== 'Secret') throw new Error('expected a secret');
    expect(p2.locations.edges.map((edge) => edge.node.name)).toEqual([`c-${stem}`, `D-${stem}`]);
    expect(p2.locations.pageInfo.hasNextPage).toBe(false);

    // Moving one location over keeps both sides consistent.
    await update({ id: oneLocations.get(`b-${stem}`)!, secretId: two.id });
    const moved = await executeOk(t.app, SecretsWithLocations, { ids: [one.id, two.id], first: 10 }, team.ownerToken);
    const counts = moved.nodes.map((node) =>
      node?.__typename === 'Secret' ? [node.locationCount, node.locations.edges.map((edge) => edge.node.name)] : null,
    );
    expect(counts).toEqual([
      [3, [`A-${stem}`, `c-${stem}`, `D-${stem}`]],
      [2, [`b-${stem}`, `z-${stem}`]],
    ]);
  });

  test('node(id) and nodes(ids) resolve a location; a well-formed unknown Location id is null', async () => {
    const secret = await createSecret('S3');
    const location = await createOk({ locationType: 'S3', secretId: secret.id });
    expect(await locationNode(location.id)).toMatchObject({
      __typename: 'Location',
      id: location.id,
      locationType: 'S3',
      secret: { id: secret.id },
    });
    const missing = unknownId('Location');
    const data = await executeOk(t.app, NodesById, { ids: [location.id, secret.id, missing] }, team.ownerToken);
    expect(data.nodes[0]).toEqual(await locationNode(location.id));
    expect(data.nodes).toMatchObject([
      { __typename: 'Location', id: location.id, name: expect.any(String), locationType: 'S3' },
      { __typename: 'Secret', id: secret.id, name: secret.name },
      null,
    ]);
    expect(await locationNode(missing)).toBeNull();
  });
});
