/**
 * A storage secret whose current version has lost its sealed payload in the database (a row
 * deleted or emptied by hand, a bad restore): what secret-payload.ts' PAYLOAD_MISSING check must
 * turn into typed answers, never an INTERNAL_SERVER_ERROR. ENV key edits on such a secret are in
 * env-secrets.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { injectableEnv } from '../../src/modules/secret/secret.service.ts';
import { createTeamWithOwner, execute, executeOk, startTestApp, type TestApp, type TestTeam } from '../helpers/app.ts';
import { CreateSecret, NodeById, RotateSecret, UpdateSecret } from '../helpers/documents.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';

let t: TestApp;
let team: TestTeam;
beforeAll(async () => {
  t = await startTestApp();
  team = await createTeamWithOwner(t.db);
});
afterAll(() => t.close());

const removals = {
  'its version row was deleted': (id: string) => sql`delete from secret_versions where secret_id = ${rawId(id)}`,
  'its payload columns were emptied': (id: string) =>
    sql`update secret_versions set ciphertext = null, iv = null, auth_tag = null, wrapped_data_key = null, master_key_id = null where secret_id = ${rawId(id)}`,
};

describe('PAYLOAD_MISSING on a storage secret', () => {
  test.each(Object.entries(removals))('%s: reads answer from the stored previews, cli run is a typed PAYLOAD_MISSING, update and rotate store new values', async (_label, remove) => {
    const accessKey = fixtures.accessKey();
    const created = (await executeOk(t.app, CreateSecret, { input: { teamId: team.teamId, name: `s3-${randomUUID()}`, secretType: 'S3', credentials: { accessKey } } }, team.ownerToken)).createSecret;
    if (created.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
    const { id } = created.secret;
    await remove(id).execute(t.db);

    // Reading never opens the payload: the previews stored at write time answer.
    const read = await execute(t.app, NodeById, { id }, team.ownerToken);
    expect(read.status).toBe(200);
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data?.node).toMatchObject({ id, version: 1, credentialFields: created.secret.credentialFields });

    await expect(injectableEnv(t.db, t.keyring, rawId(id))).rejects.toMatchObject({ name: 'ConflictError', code: 'PAYLOAD_MISSING' });

    // The same values again: with nothing stored to compare them with, a change (a new version), not a failure.
    const updated = await execute(t.app, UpdateSecret, { input: { id, credentials: { accessKey } } }, team.ownerToken);
    expect(updated.status).toBe(200);
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data?.updateSecret).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { version: 2 } });
    expect(await injectableEnv(t.db, t.keyring, rawId(id))).toEqual({ AWS_ACCESS_KEY_ID: accessKey.accessKeyId, AWS_SECRET_ACCESS_KEY: accessKey.secretAccessKey });

    await remove(id).execute(t.db);
    const next = fixtures.accessKey();
    const rotated = await execute(t.app, RotateSecret, { input: { id, credentials: { accessKey: next } } }, team.ownerToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body.errors).toBeUndefined();
    expect(rotated.body.data?.rotateSecret).toMatchObject({ __typename: 'RotateSecretSuccess', secret: { version: 3 } });
    expect(await injectableEnv(t.db, t.keyring, rawId(id))).toEqual({ AWS_ACCESS_KEY_ID: next.accessKeyId, AWS_SECRET_ACCESS_KEY: next.secretAccessKey });
  });
});
