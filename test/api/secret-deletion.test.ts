/**
 * Soft delete of secrets (DESIGN §6.1): deleteSecret schedules the purge after a recovery window
 * (or, forced, deletes at once), restoreSecret cancels it, the purge removes what is due.
 *
 * Time: the API only schedules purges days ahead, so the tests make a secret due by moving its
 * `purge_at` (and `deleted_at`) into the past in the test database directly (`makeDue`), then run
 * the purge as the server's sweep and `cli purge` do (`purgeDueSecrets`).
 */
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { addMember, createTeamWithOwner, execute, executeOk } from '../helpers/app.ts';
import { createS3Location, createS3Secret, fixtures, useTestApp, uniqueName } from '../helpers/fixtures.ts';
import { rawId, unknownId } from '../helpers/ids.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';
import {
  CreateApiToken,
  CreateLocation,
  CreateSecret,
  RestoreSecret,
  RotateSecret,
  UpdateLocation,
  UpdateSecret,
} from '../helpers/documents.ts';
import { purgeDueSecrets } from '../../src/modules/secret/purge.service.ts';
import type { DeleteSecretInput } from '../gql/graphql.ts';

const DeletionFields = graphql(`
  fragment DeletionFields on Secret {
    id
    name
    version
    status
    deletedAt
    purgeAt
  }
`);
// Registered for codegen; the documents below spread it.
void DeletionFields;

const DeleteSecretScheduling = graphql(`
  mutation DeleteSecretScheduling($input: DeleteSecretInput!) {
    deleteSecret(input: $input) {
      __typename
      ... on DeleteSecretSuccess {
        deletedSecretId
        secret {
          ...DeletionFields
        }
      }
      ...ErrorFields
    }
  }
`);

const DeletionNode = graphql(`
  query DeletionNode($id: ID!) {
    node(id: $id) {
      __typename
      ...DeletionFields
    }
  }
`);

const DeletionList = graphql(`
  query DeletionList($teamId: ID!, $filter: SecretFilter) {
    team(id: $teamId) {
      secrets(first: 100, filter: $filter) {
        edges {
          node {
            id
            status
          }
        }
      }
    }
  }
`);

const { t, team } = useTestApp({ members: true });
const DAY_MS = 86_400_000;

const remove = async (input: DeleteSecretInput, token = team.ownerToken) =>
  (await executeOk(t.app, DeleteSecretScheduling, { input }, token)).deleteSecret;
const restore = async (input: { id: string; expectedVersion?: number }, token = team.ownerToken) =>
  (await executeOk(t.app, RestoreSecret, { input }, token)).restoreSecret;
const node = async (id: string, token = team.ownerToken) => (await executeOk(t.app, DeletionNode, { id }, token)).node;
const listed = async (filter: object | null = null) =>
  (await executeOk(t.app, DeletionList, { teamId: team.teamId, filter }, team.ownerToken)).team!.secrets.edges.map((edge) => edge.node.id);

/** The secret's row, straight from the database (undefined once it is gone). */
const row = (id: string) =>
  t.db.selectFrom('secrets').select(['version', 'deleted_at', 'purge_at']).where('id', '=', rawId(id)).executeTakeFirst();
const versionRows = async (id: string) =>
  (await t.db.selectFrom('secret_versions').select('version').where('secret_id', '=', rawId(id)).execute()).length;
const events = (id: string, action?: string) => auditEventsOf(t.db, id, action);

/** Makes a scheduled secret due: its window ended a second ago (the API never schedules a purge in the past). */
async function makeDue(id: string): Promise<void> {
  const updated = await t.db
    .updateTable('secrets')
    .set({ deleted_at: sql`now() - interval '8 days'`, purge_at: sql`now() - interval '1 second'` })
    .where('id', '=', rawId(id))
    .where('deleted_at', 'is not', null)
    .executeTakeFirst();
  expect(updated.numUpdatedRows).toBe(1n);
}

async function scheduled() {
  const secret = await createS3Secret(t.app, team);
  const result = await remove({ id: secret.id });
  if (result.__typename !== 'DeleteSecretSuccess') throw new Error(JSON.stringify(result));
  return result.secret!;
}

describe('deleteSecret schedules the purge', () => {
  test('default window 7 days: deletedAt and purgeAt set, version bumped, status SCHEDULED_FOR_DELETION, one secret.deleted event', async () => {
    const secret = await createS3Secret(t.app, team);
    const before = Date.now();
    const result = await remove({ id: secret.id, expectedVersion: 1 });
    expect(result).toMatchObject({
      __typename: 'DeleteSecretSuccess',
      deletedSecretId: secret.id,
      secret: { id: secret.id, version: 2, status: 'SCHEDULED_FOR_DELETION' },
    });
    if (result.__typename !== 'DeleteSecretSuccess') return;
    const deletedAt = Date.parse(result.secret!.deletedAt!);
    expect(deletedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(result.secret!.purgeAt!) - deletedAt).toBe(7 * DAY_MS);
    expect(await events(secret.id, 'secret.deleted')).toMatchObject([
      { changed_fields: ['deletedAt', 'purgeAt'], target_version: 2, outcome: 'SUCCESS' },
    ]);
    expect(await versionRows(secret.id)).toBe(1);
  });

  test('recoveryWindowDays 30 sets purgeAt 30 days on; 6 and 31 are VALIDATION_FAILED, nothing changes', async () => {
    const secret = await createS3Secret(t.app, team);
    for (const days of [6, 31]) {
      const { body } = await execute(
        t.app,
        DeleteSecretScheduling,
        { input: { id: secret.id, recoveryWindowDays: days } },
        team.ownerToken,
      );
      expect(body.data?.deleteSecret).toMatchObject({
        __typename: 'ValidationError',
        code: 'VALIDATION_FAILED',
        fieldErrors: [{ path: ['input', 'recoveryWindowDays'] }],
      });
    }
    expect(await row(secret.id)).toEqual({ version: 1, deleted_at: null, purge_at: null });
    const result = await remove({ id: secret.id, recoveryWindowDays: 30 });
    if (result.__typename !== 'DeleteSecretSuccess') throw new Error(JSON.stringify(result));
    expect(Date.parse(result.secret!.purgeAt!) - Date.parse(result.secret!.deletedAt!)).toBe(30 * DAY_MS);
  });

  test('VALIDATION_FAILED: recoveryWindowDays and forceDeleteWithoutRecovery together (a field error), nothing changes', async () => {
    const secret = await createS3Secret(t.app, team);
    expect(await remove({ id: secret.id, recoveryWindowDays: 7, forceDeleteWithoutRecovery: true })).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION_FAILED',
      fieldErrors: [{ path: ['input', 'forceDeleteWithoutRecovery'], code: 'VALIDATION_FAILED' }],
    });
    expect(await row(secret.id)).toEqual({ version: 1, deleted_at: null, purge_at: null });
  });

  test('forceDeleteWithoutRecovery: gone at once with its versions, secret null, the event changes no field; the name is free', async () => {
    const secret = await createS3Secret(t.app, team);
    expect(await remove({ id: secret.id, forceDeleteWithoutRecovery: true })).toEqual({
      __typename: 'DeleteSecretSuccess',
      deletedSecretId: secret.id,
      secret: null,
    });
    expect(await row(secret.id)).toBeUndefined();
    expect(await versionRows(secret.id)).toBe(0);
    expect(await node(secret.id)).toBeNull();
    expect(await events(secret.id, 'secret.deleted')).toMatchObject([{ changed_fields: [], target_version: 1 }]);
    expect(await createS3Secret(t.app, team, { name: secret.name })).toMatchObject({ name: secret.name });
  });

  test('SECRET_IN_USE still applies (scheduling and forcing); VERSION_MISMATCH', async () => {
    const secret = await createS3Secret(t.app, team);
    await createS3Location(t.app, team, secret.id);
    expect(await remove({ id: secret.id })).toMatchObject({ __typename: 'ConflictError', code: 'SECRET_IN_USE' });
    expect(await remove({ id: secret.id, forceDeleteWithoutRecovery: true })).toMatchObject({ code: 'SECRET_IN_USE' });
    expect(await remove({ id: secret.id, expectedVersion: 7 })).toMatchObject({ code: 'VERSION_MISMATCH' });
    expect(await row(secret.id)).toEqual({ version: 1, deleted_at: null, purge_at: null });
  });
});

describe('while scheduled', () => {
  test('absent from Team.secrets; listed with filter deleted: true or status SCHEDULED_FOR_DELETION; node(id) shows its dates', async () => {
    const live = await createS3Secret(t.app, team);
    const gone = await scheduled();
    const all = await listed();
    expect(all).toContain(live.id);
    expect(all).not.toContain(gone.id);
    expect(await listed({ deleted: true })).toContain(gone.id);
    expect(await listed({ deleted: true })).not.toContain(live.id);
    expect(await listed({ status: 'SCHEDULED_FOR_DELETION' })).toContain(gone.id);
    expect(await listed({ status: 'ACTIVE' })).not.toContain(gone.id);
    expect(await node(gone.id)).toEqual({ __typename: 'Secret', ...gone });
    expect(gone.deletedAt).not.toBeNull();
    expect(gone.purgeAt).not.toBeNull();
  });

  test('SCHEDULED_FOR_DELETION wins over EXPIRED', async () => {
    const secret = await scheduled();
    await t.db
      .updateTable('secrets')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', rawId(secret.id))
      .execute();
    expect(await node(secret.id)).toMatchObject({ status: 'SCHEDULED_FOR_DELETION' });
  });

  test('SECRET_DELETED: update, rotate, a second delete (even forced), link and relink are refused; nothing changes', async () => {
    const other = await createS3Secret(t.app, team);
    const location = await createS3Location(t.app, team, other.id);
    const secret = await scheduled();
    const refused = { __typename: 'ConflictError', code: 'SECRET_DELETED' };
    const update = (await executeOk(t.app, UpdateSecret, { input: { id: secret.id, description: 'edited' } }, team.ownerToken))
      .updateSecret;
    expect(update).toMatchObject(refused);
    const rotate = (
      await executeOk(t.app, RotateSecret, { input: { id: secret.id, credentials: { accessKey: fixtures.accessKey() } } }, team.ownerToken)
    ).rotateSecret;
    expect(rotate).toMatchObject(refused);
    expect(await remove({ id: secret.id })).toMatchObject(refused);
    expect(await remove({ id: secret.id, forceDeleteWithoutRecovery: true })).toMatchObject(refused);
    const link = (
      await executeOk(
        t.app,
        CreateLocation,
        { input: { teamId: team.teamId, name: uniqueName('loc'), locationType: 'S3', secretId: secret.id, bucketName: 'b' } },
        team.ownerToken,
      )
    ).createLocation;
    expect(link).toMatchObject(refused);
    const relink = (await executeOk(t.app, UpdateLocation, { input: { id: location.id, secretId: secret.id } }, team.ownerToken))
      .updateLocation;
    expect(relink).toMatchObject(refused);
    expect(await row(secret.id)).toMatchObject({ version: 2 });
    expect(await t.db.selectFrom('locations').select('id').where('secret_id', '=', rawId(secret.id)).execute()).toEqual([]);
  });

  test('its name stays taken: NAME_TAKEN for a new secret with that name', async () => {
    const secret = await scheduled();
    const result = (
      await executeOk(
        t.app,
        CreateSecret,
        { input: { teamId: team.teamId, name: secret.name, secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } } },
        team.ownerToken,
      )
    ).createSecret;
    expect(result).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN' });
  });

  test('the database holds SECRET_DELETED and SECRET_IN_USE too (migration 0014): no location row on a scheduled secret, no scheduling under a location', async () => {
    const secret = await scheduled();
    const other = await createS3Secret(t.app, team);
    const location = await createS3Location(t.app, team, other.id);
    await expect(
      t.db
        .updateTable('locations')
        .set({ secret_id: rawId(secret.id) })
        .where('id', '=', rawId(location.id))
        .execute(),
    ).rejects.toMatchObject({ code: '23503', constraint: 'locations_secret_live_fkey' });
    await expect(
      t.db
        .updateTable('secrets')
        .set({ deleted_at: new Date(), purge_at: new Date(Date.now() + DAY_MS) })
        .where('id', '=', rawId(other.id))
        .execute(),
    ).rejects.toMatchObject({ code: '23503', constraint: 'locations_secret_live_fkey' });
  });
});

describe('restoreSecret', () => {
  test('inside the window: back in the list, dates cleared, version bumped, one secret.restored event; then changeable again', async () => {
    const secret = await scheduled();
    expect(await restore({ id: secret.id, expectedVersion: 1 })).toMatchObject({ __typename: 'ConflictError', code: 'VERSION_MISMATCH' });
    expect(await restore({ id: secret.id, expectedVersion: 2 })).toEqual({
      __typename: 'RestoreSecretSuccess',
      secret: { id: secret.id, name: secret.name, version: 3, status: 'ACTIVE', deletedAt: null, purgeAt: null },
    });
    expect(await listed()).toContain(secret.id);
    expect(await events(secret.id, 'secret.restored')).toMatchObject([{ changed_fields: ['deletedAt', 'purgeAt'], target_version: 3 }]);
    const update = (await executeOk(t.app, UpdateSecret, { input: { id: secret.id, description: 'back' } }, team.ownerToken)).updateSecret;
    expect(update).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { version: 4 } });
    expect(await versionRows(secret.id)).toBe(1);
  });

  test('SECRET_NOT_DELETED: a secret that is not scheduled has nothing to restore; nothing changes', async () => {
    const secret = await createS3Secret(t.app, team);
    expect(await restore({ id: secret.id })).toMatchObject({ __typename: 'ConflictError', code: 'SECRET_NOT_DELETED' });
    expect(await row(secret.id)).toMatchObject({ version: 1 });
  });

  test('after the purge it is NOT_FOUND, like an unknown id', async () => {
    const secret = await scheduled();
    await makeDue(secret.id);
    await purgeDueSecrets(t.db);
    expect(await restore({ id: secret.id })).toMatchObject({ __typename: 'NotFoundError' });
  });
});

describe('roles, scopes and isolation', () => {
  test('OPERATOR: schedules and restores their own PRIVATE ENV secret, may not force; VIEWER and ADMIN of a TEAM secret as for delete', async () => {
    const operator = team.members.OPERATOR;
    const created = (
      await executeOk(
        t.app,
        CreateSecret,
        {
          input: {
            teamId: team.teamId,
            name: uniqueName('own'),
            secretType: 'ENV',
            shared: false,
            credentials: { envVars: [{ key: 'OWN_TOKEN', value: `tok-${uniqueName('v')}-0123456789` }] },
          },
        },
        operator.token,
      )
    ).createSecret;
    if (created.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
    const id = created.secret.id;
    expect(await remove({ id, forceDeleteWithoutRecovery: true }, operator.token)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await row(id)).toMatchObject({ deleted_at: null });
    expect(await remove({ id }, operator.token)).toMatchObject({ __typename: 'DeleteSecretSuccess' });
    expect(await restore({ id }, operator.token)).toMatchObject({ __typename: 'RestoreSecretSuccess' });

    const teamSecret = await scheduled();
    expect(await restore({ id: teamSecret.id }, team.members.VIEWER.token)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await restore({ id: teamSecret.id }, operator.token)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await restore({ id: teamSecret.id }, team.members.ADMIN.token)).toMatchObject({ __typename: 'RestoreSecretSuccess' });
    expect(await remove({ id: teamSecret.id, forceDeleteWithoutRecovery: true }, team.members.ADMIN.token)).toMatchObject({
      __typename: 'DeleteSecretSuccess',
      secret: null,
    });
  });

  test('token scope SECRETS_WRITE: a secrets:read token may neither delete nor restore', async () => {
    const secret = await scheduled();
    const live = await createS3Secret(t.app, team);
    const created = (await executeOk(t.app, CreateApiToken, { input: { name: 'read-only', scopes: ['SECRETS_READ'] } }, team.ownerToken))
      .createApiToken;
    if (created.__typename !== 'CreateApiTokenSuccess') throw new Error(JSON.stringify(created));
    expect(await restore({ id: secret.id }, created.token)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await remove({ id: live.id }, created.token)).toMatchObject({ __typename: 'ForbiddenError' });
    const writer = (await executeOk(t.app, CreateApiToken, { input: { name: 'writer', scopes: ['SECRETS_WRITE'] } }, team.ownerToken))
      .createApiToken;
    if (writer.__typename !== 'CreateApiTokenSuccess') throw new Error(JSON.stringify(writer));
    expect(await restore({ id: secret.id }, writer.token)).toMatchObject({ __typename: 'RestoreSecretSuccess' });
  });

  test('another team’s secret answers exactly like an unknown id (delete, restore, node), and is left alone', async () => {
    const other = await createTeamWithOwner(t.db);
    const theirs = await createS3Secret(t.app, other);
    const theirScheduled = await createS3Secret(t.app, other);
    expect(await remove({ id: theirScheduled.id }, other.ownerToken)).toMatchObject({ __typename: 'DeleteSecretSuccess' });
    const unknown = unknownId('Secret');
    expect(await remove({ id: theirs.id })).toEqual(await remove({ id: unknown }));
    expect(await remove({ id: theirs.id })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await restore({ id: theirScheduled.id })).toEqual(await restore({ id: unknown }));
    expect(await node(theirScheduled.id)).toBeNull();
    expect(await row(theirs.id)).toMatchObject({ version: 1, deleted_at: null });
    expect(await row(theirScheduled.id)).toMatchObject({ version: 2, deleted_at: expect.any(Date) });
    const admin = await addMember(t.db, other, 'ADMIN');
    expect(await restore({ id: theirScheduled.id }, admin.token)).toMatchObject({ __typename: 'RestoreSecretSuccess' });
  });
});

describe('purge', () => {
  test('removes what is due only, with its versions; one secret.purged event each, by the operator; a second run finds nothing', async () => {
    const due = [await scheduled(), await scheduled()];
    const notYet = await scheduled();
    const live = await createS3Secret(t.app, team);
    for (const secret of due) await makeDue(secret.id);
    // Other test files share the PostgreSQL database: count only this test's secrets.
    const result = await purgeDueSecrets(t.db);
    expect(result.purged).toBeGreaterThanOrEqual(2);
    for (const secret of due) {
      expect(await row(secret.id)).toBeUndefined();
      expect(await versionRows(secret.id)).toBe(0);
      expect(await events(secret.id, 'secret.purged')).toMatchObject([
        { action: 'secret.purged', changed_fields: [], target_version: 2, actor_user_id: null, outcome: 'SUCCESS' },
      ]);
    }
    expect(await row(notYet.id)).toMatchObject({ deleted_at: expect.any(Date) });
    expect(await row(live.id)).toMatchObject({ deleted_at: null });
    expect(await events(notYet.id, 'secret.purged')).toEqual([]);
    // The name of a purged secret is free again.
    expect(await createS3Secret(t.app, team, { name: due[0]!.name })).toMatchObject({ name: due[0]!.name });
    await makeDue(notYet.id);
    expect((await purgeDueSecrets(t.db, { batchSize: 1 })).purged).toBeGreaterThanOrEqual(1);
    expect(await row(notYet.id)).toBeUndefined();
  });
});

describe.runIf(testDatabaseUrl)('racing (PostgreSQL)', () => {
  test('purge racing restore: each secret is either restored (whole, one secret.restored) or purged (gone, one secret.purged), never half', async () => {
    const tally = { restored: 0, purged: 0 };
    for (let round = 0; round < 6; round++) {
      const secrets = await Promise.all(Array.from({ length: 8 }, () => scheduled()));
      for (const secret of secrets) await makeDue(secret.id);
      const [restores] = await Promise.all([
        Promise.all(secrets.map((secret) => restore({ id: secret.id }))),
        purgeDueSecrets(t.db, { batchSize: 1 }),
        purgeDueSecrets(t.db, { batchSize: 3 }),
      ]);
      for (const [index, secret] of secrets.entries()) {
        const answer = restores[index]!;
        const stored = await row(secret.id);
        const purgedEvents = await events(secret.id, 'secret.purged');
        const restoredEvents = await events(secret.id, 'secret.restored');
        if (answer.__typename === 'RestoreSecretSuccess') {
          expect(stored).toEqual({ version: 3, deleted_at: null, purge_at: null });
          expect(await versionRows(secret.id)).toBe(1);
          expect(purgedEvents).toEqual([]);
          expect(restoredEvents).toHaveLength(1);
          tally.restored++;
        } else {
          expect(answer).toMatchObject({ __typename: 'NotFoundError' });
          expect(stored).toBeUndefined();
          expect(await versionRows(secret.id)).toBe(0);
          expect(purgedEvents).toHaveLength(1);
          expect(restoredEvents).toEqual([]);
          tally.purged++;
        }
      }
    }
    console.info(`purge vs restore: restored ${tally.restored}, purged ${tally.purged}`);
    expect(tally.restored + tally.purged).toBe(48);
  });

  test('several purgers at once: each due secret purged once, with exactly one secret.purged event', async () => {
    const secrets = await Promise.all(Array.from({ length: 30 }, () => scheduled()));
    for (const secret of secrets) await makeDue(secret.id);
    const results = await Promise.all([1, 2, 3, 5].map((batchSize) => purgeDueSecrets(t.db, { batchSize })));
    expect(results.reduce((sum, result) => sum + result.purged, 0)).toBeGreaterThanOrEqual(30);
    for (const secret of secrets) {
      expect(await row(secret.id)).toBeUndefined();
      expect(await events(secret.id, 'secret.purged')).toHaveLength(1);
    }
  });
});
