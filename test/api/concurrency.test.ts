import { describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import { execute, executeOk, type GraphQLResponse, type OkData, type TestApp, type TestTeam } from '../helpers/app.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import {
  CreateLocation,
  CreateSecret,
  CreateVaultConnection,
  DeleteSecret,
  DeleteVaultConnection,
  NodeById,
  RotateSecret,
  UpdateLocation,
  UpdateSecret,
} from '../helpers/documents.ts';
import { createS3Location, createS3Secret, fixtures, uniqueName, useTestApp } from '../helpers/fixtures.ts';
import { fromGlobalId } from '../../src/graphql/global-id.ts';

/*
 * VERSION_MISMATCH, LOCATION_TYPE_MISMATCH and SECRET_IN_USE (and a vault connection's in-use check) under real concurrency. PGlite is a single connection (every request is
 * serialised), so these run on PostgreSQL only: the app's pool of 10 connections lets the
 * requests fired together with Promise.all really overlap inside the database.
 */

// Filled in by useTestApp inside the PostgreSQL-only describe, so that PGlite runs start no app.
let t: TestApp;
let team: TestTeam;

/** The mutation's payload, after checking that the HTTP exchange itself went fine (no 500, no top-level error). */
function payload<T>(response: GraphQLResponse<T>): OkData<T> {
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  return response.body.data! as OkData<T>;
}

async function readSecret(id: string) {
  const { node } = await executeOk(t.app, NodeById, { id }, team.ownerToken);
  if (node?.__typename !== 'Secret') throw new Error(`secret ${id} not found`);
  return node;
}

describe.runIf(testDatabaseUrl)('concurrent mutations on PostgreSQL', () => {
  ({ t, team } = useTestApp());

  test('VERSION_MISMATCH: 20 concurrent updates with the same expectedVersion: exactly one wins, 19 VERSION_MISMATCH', async () => {
    const secret = await createS3Secret(t.app, team);
    const start = secret.version;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        execute(t.app, UpdateSecret, { input: { id: secret.id, description: `writer ${i}`, expectedVersion: start } }, team.ownerToken),
      ),
    );
    const results = responses.map((response) => payload(response).updateSecret);
    const winners = results.filter((result) => result.__typename === 'UpdateSecretSuccess');
    const losers = results.filter((result) => result.__typename !== 'UpdateSecretSuccess');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) expect(loser).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });

    const winner = winners[0]!;
    if (winner.__typename !== 'UpdateSecretSuccess') throw new Error('unreachable');
    expect(winner.secret.version).toBe(start + 1);
    expect(await readSecret(secret.id)).toMatchObject({ version: start + 1, description: winner.secret.description });

    const updates = await auditEventsOf(t.db, secret.id, 'secret.updated');
    expect(updates.map((event) => event.target_version)).toEqual([start + 1]);
  });

  test('VERSION_MISMATCH: 50 concurrent rotations without expectedVersion serialise: none is lost', async () => {
    const secret = await createS3Secret(t.app, team);
    const start = secret.version;
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        execute(t.app, RotateSecret, { input: { id: secret.id, credentials: { accessKey: fixtures.accessKey() } } }, team.ownerToken),
      ),
    );
    const results = responses.map((response) => payload(response).rotateSecret);
    const versions: number[] = [];
    for (const result of results) {
      if (result.__typename !== 'RotateSecretSuccess') throw new Error(`rotation failed: ${JSON.stringify(result)}`);
      versions.push(result.secret.version);
    }
    const expected = Array.from({ length: 50 }, (_, i) => start + 1 + i);
    // Each rotation saw the one before it: every version from start+1 to start+50 exactly once.
    expect(versions.toSorted((a, b) => a - b)).toEqual(expected);

    // The last rotation's credentials are the current ones.
    const last = results.find((result) => result.__typename === 'RotateSecretSuccess' && result.secret.version === start + 50)!;
    const current = await readSecret(secret.id);
    expect(current.version).toBe(start + 50);
    if (last.__typename !== 'RotateSecretSuccess') throw new Error('unreachable');
    expect(current.credentialFields).toEqual(last.secret.credentialFields);

    const rawId = fromGlobalId(secret.id, 'Secret');
    const rows = await t.db
      .selectFrom('secret_versions')
      .select(['version', 'reason'])
      .where('secret_id', '=', rawId)
      .where('reason', '=', 'ROTATE')
      .orderBy('version')
      .execute();
    expect(rows.map((row) => row.version)).toEqual(expected);
    const row = await t.db.selectFrom('secrets').select(['version', 'payload_version']).where('id', '=', rawId).executeTakeFirstOrThrow();
    expect(row).toEqual({ version: start + 50, payload_version: start + 50 });

    const audit = await auditEventsOf(t.db, secret.id, 'secret.rotated');
    expect(audit).toHaveLength(50);
    expect(audit.map((event) => event.target_version).toSorted((a, b) => a! - b!)).toEqual(expected);
  });

  test('LOCATION_TYPE_MISMATCH: a type change racing location creation and relinking never leaves a mismatched pair', async () => {
    const ROUNDS = 30;
    // Each round: a fresh S3 secret (the target) and two S3 locations, linked elsewhere, to relink to it.
    const home = await createS3Secret(t.app, team);
    const rounds = await Promise.all(
      Array.from({ length: ROUNDS }, async () => ({
        target: (await createS3Secret(t.app, team)).id,
        relink: [(await createS3Location(t.app, team, home.id)).id, (await createS3Location(t.app, team, home.id)).id],
      })),
    );

    type Outcome = { kind: 'changeType' | 'createLocation' | 'relink'; typename: string; code?: string };
    const SUCCESS = {
      changeType: 'UpdateSecretSuccess',
      createLocation: 'CreateLocationSuccess',
      relink: 'UpdateLocationSuccess',
    } as const;
    const roundOutcomes: Outcome[][] = [];
    for (const [index, round] of rounds.entries()) {
      const changeType = async (): Promise<Outcome> => {
        const input = {
          id: round.target,
          secretType: 'R2' as const,
          authMethod: 'R2_ACCESS_KEY' as const,
          credentials: { accessKey: fixtures.accessKey() },
        };
        const result = payload(await execute(t.app, UpdateSecret, { input }, team.ownerToken)).updateSecret;
        return { kind: 'changeType', typename: result.__typename, ...('code' in result && { code: result.code }) };
      };
      const createLocation = async (): Promise<Outcome> => {
        const input = {
          teamId: team.teamId,
          name: uniqueName('race-new'),
          locationType: 'S3' as const,
          secretId: round.target,
          bucketName: 'bucket',
        };
        const result = payload(await execute(t.app, CreateLocation, { input }, team.ownerToken)).createLocation;
        return { kind: 'createLocation', typename: result.__typename, ...('code' in result && { code: result.code }) };
      };
      const relink = (locationId: string) => async (): Promise<Outcome> => {
        const result = payload(
          await execute(t.app, UpdateLocation, { input: { id: locationId, secretId: round.target } }, team.ownerToken),
        ).updateLocation;
        return { kind: 'relink', typename: result.__typename, ...('code' in result && { code: result.code }) };
      };
      // 4–6 requests started together; in every other round the links start a few milliseconds late, so
      // that the type change lands before, between and after them (both outcomes must occur below).
      const links = [
        createLocation,
        ...round.relink.map(relink),
        ...(index % 2 ? [createLocation] : []),
        ...(index % 3 ? [] : [createLocation]),
      ];
      const linkDelay = () => (index % 2 ? 0 : Math.random() * 8);
      roundOutcomes.push(await Promise.all([changeType(), ...links.map(async (link) => (await sleep(linkDelay()), link()))]));
    }

    // The invariant itself, straight from the tables: no location uses a secret of another type.
    const teamId = fromGlobalId(team.teamId, 'Team');
    const mismatched = await sql<{ count: number }>`
      select count(*)::int as count from locations l join secrets s on s.id = l.secret_id
      where l.location_type <> s.secret_type and l.team_id = ${teamId}`.execute(t.db);
    expect(mismatched.rows[0]!.count).toBe(0);

    const stats = { typeChangeWon: 0, linksWon: 0 };
    for (const [index, outcomes] of roundOutcomes.entries()) {
      // Every request either succeeded or got the typed rule error: never a 500 or another error.
      for (const outcome of outcomes) {
        if (outcome.typename !== SUCCESS[outcome.kind])
          expect(outcome).toMatchObject({ typename: 'ValidationError', code: 'LOCATION_TYPE_MISMATCH' });
      }
      // Either the type change committed first (every link then refused) or some link did (the change then refused).
      const typeChanged = outcomes.some((outcome) => outcome.kind === 'changeType' && outcome.typename === SUCCESS.changeType);
      const linked = outcomes.filter((outcome) => outcome.kind !== 'changeType' && outcome.typename === SUCCESS[outcome.kind]).length;
      expect(typeChanged, JSON.stringify(outcomes)).toBe(linked === 0);
      if (typeChanged) stats.typeChangeWon++;
      else stats.linksWon++;
      expect(await readSecret(rounds[index]!.target)).toMatchObject({ secretType: typeChanged ? 'R2' : 'S3', locationCount: linked });
    }
    // Both orders happened, so the race was real (not one side always finishing first).
    console.info(`LOCATION_TYPE_MISMATCH race: type change won ${stats.typeChangeWon} rounds, links won ${stats.linksWon}`);
    expect(stats.typeChangeWon).toBeGreaterThan(0);
    expect(stats.linksWon).toBeGreaterThan(0);
  });

  test('SECRET_IN_USE: deleting a secret while a location is linked to it gives SECRET_IN_USE or SECRET_DELETED, never a 500', async () => {
    const tally = { deleted: 0, inUse: 0 };
    for (let round = 0; round < 20; round++) {
      const secret = await createS3Secret(t.app, team);
      const link = async () => {
        const input = {
          teamId: team.teamId,
          name: uniqueName('race-del'),
          locationType: 'S3' as const,
          secretId: secret.id,
          bucketName: 'bucket',
        };
        return payload(await execute(t.app, CreateLocation, { input }, team.ownerToken)).createLocation;
      };
      const remove = async () => payload(await execute(t.app, DeleteSecret, { input: { id: secret.id } }, team.ownerToken)).deleteSecret;
      let linked, deleted;
      if (round % 2) [linked, deleted] = await Promise.all([link(), remove()]);
      else [deleted, linked] = await Promise.all([remove(), link()]);
      // Before the fix in lockSecret, the delete often read a stale location count and hit the foreign key (500).
      if (deleted.__typename === 'DeleteSecretSuccess') {
        // Scheduled for deletion: no location may use it.
        expect(linked).toMatchObject({ __typename: 'ConflictError', code: 'SECRET_DELETED' });
        tally.deleted++;
      } else {
        expect(deleted).toMatchObject({ __typename: 'ConflictError', code: 'SECRET_IN_USE' });
        expect(linked.__typename).toBe('CreateLocationSuccess');
        tally.inUse++;
      }
    }
    console.info(`SECRET_IN_USE race: deleted ${tally.deleted}, in use ${tally.inUse}`);
  });

  test('deleting a vault connection while a secret starts using it gives VAULT_CONNECTION_IN_USE or NotFound, never a 500', async () => {
    const mappings = [
      { fieldName: 'access_key_id', reference: 'op://Infra/aws/access_key_id' },
      { fieldName: 'secret_access_key', reference: 'op://Infra/aws/secret_access_key' },
    ];
    for (let round = 0; round < 20; round++) {
      const credentials = { onePassword: { accessToken: 'ops_eyJhbGciOiJFUzI1NiIsImtpZCI6InRlc3QifQ' } };
      const { createVaultConnection } = await executeOk(
        t.app,
        CreateVaultConnection,
        { input: { teamId: team.teamId, name: uniqueName('race-vault'), vaultType: 'ONEPASSWORD', credentials } },
        team.ownerToken,
      );
      if (createVaultConnection.__typename !== 'CreateVaultConnectionSuccess') throw new Error(JSON.stringify(createVaultConnection));
      const vaultConnectionId = createVaultConnection.vaultConnection.id;
      const use = async () => {
        const input = {
          teamId: team.teamId,
          name: uniqueName('race-ext'),
          secretType: 'S3' as const,
          vaultConnectionId,
          fieldMappings: mappings,
        };
        return payload(await execute(t.app, CreateSecret, { input }, team.ownerToken)).createSecret;
      };
      const remove = async () =>
        payload(await execute(t.app, DeleteVaultConnection, { input: { id: vaultConnectionId } }, team.ownerToken)).deleteVaultConnection;
      let used, deleted;
      if (round % 2) [used, deleted] = await Promise.all([use(), remove()]);
      else [deleted, used] = await Promise.all([remove(), use()]);
      // Before the fix in insertSecret, a secret created just after the delete hit the foreign key (500).
      if (deleted.__typename === 'DeleteVaultConnectionSuccess') expect(used).toMatchObject({ __typename: 'NotFoundError' });
      else {
        expect(deleted).toMatchObject({ __typename: 'ConflictError', code: 'VAULT_CONNECTION_IN_USE' });
        expect(used.__typename).toBe('CreateSecretSuccess');
      }
    }
  });
});
