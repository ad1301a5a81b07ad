/**
 * Master key rotation on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): secrets
 * and vault connections written through the API under key A, a server restarted on {B, [A]},
 * then `rewrapDataKeys` moving every data key to B in resumable batches without touching a
 * ciphertext. `rewrapDataKeys` acts on every row of the database, so the file has a database of
 * its own (test/helpers/isolated-database.ts), never the run's shared one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type App } from '../../http/app.ts';
import { ConfigError, loadPreviousMasterKeys } from '../../config.ts';
import type { Database } from '../../database/database.ts';
import { fromGlobalId, toGlobalId } from '../../graphql/global-id.ts';
import { createLogger } from '../../http/logger.ts';
import { injectableEnv } from '../secret/secret.service.ts';
import { openCredentials } from '../secret/secret-payload.ts';
import type { CreateSecretInput, UpdateSecretInput, VaultCredentialsInput } from '../../../test/gql/graphql.ts';
import { createTeamWithOwner, executeOk, type TestTeam } from '../../../test/helpers/app.ts';
import { testDatabaseUrl } from '../../../test/helpers/database.ts';
import {
  CreateSecret,
  CreateVaultConnection,
  CreateWebhook,
  DeleteSecret,
  RotateSecret,
  RotateVaultConnection,
  RotateWebhookSecret,
  UpdateSecret,
  UpdateVaultConnection,
} from '../../../test/helpers/documents.ts';
import { fixtures } from '../../../test/helpers/fixtures.ts';
import { openIsolatedDatabase } from '../../../test/helpers/isolated-database.ts';
import { createKeyring, keyId, openPayload, type MasterKeyring } from './envelope.ts';
import { RewrapIncompleteError, rewrapDataKeys } from './rewrap.service.ts';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const onlyA = createKeyring(keyA);
const rotated = createKeyring(keyB, [keyA]); // the server and the CLI after the operator's step 1
const onlyB = createKeyring(keyB);
const idA = keyId(keyA);
const idB = keyId(keyB);
/** Every spelling of a master key that must never appear in a result, an error or a log. */
const keySpellings = (...keys: Buffer[]) => keys.flatMap((key) => [key.toString('base64'), key.toString('hex'), key.toString('base64url')]);

let db: Kysely<Database>;
let closeDb: () => Promise<void>;
let team: TestTeam;
const appOn = (keyring: MasterKeyring): App => createApp({ db, keyring, logger: createLogger('silent') });

beforeAll(async () => {
  ({ db, close: closeDb } = await openIsolatedDatabase());
  team = await createTeamWithOwner(db);
});
afterAll(() => closeDb());

async function createSecret(app: App, input: Omit<CreateSecretInput, 'teamId' | 'name'>): Promise<string> {
  const result = (
    await executeOk(app, CreateSecret, { input: { teamId: team.teamId, name: `rewrap-${randomUUID()}`, ...input } }, team.ownerToken)
  ).createSecret;
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
  return result.secret.id;
}

async function createVault(
  app: App,
  vaultType: 'ONEPASSWORD' | 'DOPPLER' | 'INFISICAL',
  credentials: VaultCredentialsInput,
): Promise<string> {
  const result = (
    await executeOk(
      app,
      CreateVaultConnection,
      { input: { teamId: team.teamId, name: `vault-${randomUUID()}`, vaultType, credentials } },
      team.ownerToken,
    )
  ).createVaultConnection;
  if (result.__typename !== 'CreateVaultConnectionSuccess') throw new Error(JSON.stringify(result));
  return result.vaultConnection.id;
}

async function mutateOk<T extends Record<string, { __typename: string }>>(run: Promise<T>): Promise<void> {
  const data = await run;
  for (const value of Object.values(data)) if (!value.__typename.endsWith('Success')) throw new Error(JSON.stringify(value));
}

const buf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** One stored sealed payload: where it is, what it is bound to, and its bytes. */
interface SealedRow {
  where: string;
  kind: 'secret' | 'vault' | 'webhook';
  binding: { teamId: string; secretId: string; version: number };
  ciphertext: Buffer;
  iv: Buffer;
  authTag: Buffer;
  wrappedDataKey: Buffer;
  masterKeyId: string;
}

/** Every sealed payload in the database (secret versions with a payload, vault connections), in a stable order. */
async function sealedRows(): Promise<SealedRow[]> {
  const versions = await db
    .selectFrom('secret_versions')
    .innerJoin('secrets', 'secrets.id', 'secret_versions.secret_id')
    .select([
      'secrets.team_id',
      'secret_versions.secret_id',
      'secret_versions.version',
      'ciphertext',
      'iv',
      'auth_tag',
      'wrapped_data_key',
      'master_key_id',
    ])
    .where('ciphertext', 'is not', null)
    .orderBy('secret_versions.secret_id')
    .orderBy('secret_versions.version')
    .execute();
  const vaults = await db.selectFrom('vault_connections').selectAll().orderBy('id').execute();
  const webhooks = await db.selectFrom('webhooks').selectAll().orderBy('id').execute();
  return [
    ...versions.map((row) => ({
      where: `secret_versions(${row.secret_id}, ${row.version})`,
      kind: 'secret' as const,
      binding: { teamId: row.team_id, secretId: row.secret_id, version: row.version },
      ciphertext: buf(row.ciphertext!),
      iv: buf(row.iv!),
      authTag: buf(row.auth_tag!),
      wrappedDataKey: buf(row.wrapped_data_key!),
      masterKeyId: row.master_key_id!,
    })),
    ...vaults.map((row) => ({
      where: `vault_connections(${row.id})`,
      kind: 'vault' as const,
      // As vault-connection.service.ts seals them: prefixed id, bound to the version they were written at.
      binding: { teamId: row.team_id, secretId: `vault-connection:${row.id}`, version: row.payload_version },
      ciphertext: buf(row.ciphertext),
      iv: buf(row.iv),
      authTag: buf(row.auth_tag),
      wrappedDataKey: buf(row.wrapped_data_key),
      masterKeyId: row.master_key_id,
    })),
    ...webhooks.map((row) => ({
      where: `webhooks(${row.id})`,
      kind: 'webhook' as const,
      // As webhook.service.ts seals signing secrets: prefixed id, bound to the secret's own version.
      binding: { teamId: row.team_id, secretId: `webhook:${row.id}`, version: row.secret_version },
      ciphertext: buf(row.ciphertext),
      iv: buf(row.iv),
      authTag: buf(row.auth_tag),
      wrappedDataKey: buf(row.wrapped_data_key),
      masterKeyId: row.master_key_id,
    })),
  ];
}

/** A row's plaintext: secrets through openCredentials (as the services read them), vault connections through openPayload. */
function openRow(keyring: MasterKeyring, row: SealedRow): string {
  if (row.kind === 'secret') {
    const columns = {
      ciphertext: row.ciphertext,
      iv: row.iv,
      auth_tag: row.authTag,
      wrapped_data_key: row.wrappedDataKey,
      master_key_id: row.masterKeyId,
    };
    return JSON.stringify(openCredentials(keyring, columns, row.binding));
  }
  return openPayload(keyring, row, row.binding).toString('utf8');
}

const byWhere = (rows: SealedRow[]) => new Map(rows.map((row) => [row.where, row]));

describe('CLOAKROOM_PREVIOUS_MASTER_KEYS', () => {
  test('comma-separated base64 keys, blanks ignored; unset or empty is none', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    expect(loadPreviousMasterKeys({})).toEqual([]);
    expect(loadPreviousMasterKeys({ CLOAKROOM_PREVIOUS_MASTER_KEYS: ' ' })).toEqual([]);
    expect(loadPreviousMasterKeys({ CLOAKROOM_PREVIOUS_MASTER_KEYS: ` ${a.toString('base64')} ,, ${b.toString('base64')},` })).toEqual([
      a,
      b,
    ]);
  });

  test('a bad entry is a ConfigError naming its position, never its value', () => {
    const good = randomBytes(32).toString('base64');
    const bad = randomBytes(16).toString('base64');
    const load = () => loadPreviousMasterKeys({ CLOAKROOM_PREVIOUS_MASTER_KEYS: `${good},${bad}` });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/CLOAKROOM_PREVIOUS_MASTER_KEYS \(entry 2\) must be base64 of exactly 32 bytes \(got 16 bytes\)/);
    try {
      load();
    } catch (error) {
      expect(String(error)).not.toContain(bad);
      expect(String(error)).not.toContain(good);
    }
  });
});

describe('rewrap after a master key rotation', () => {
  const appA = () => appOn(onlyA);
  const s3Rotated = fixtures.accessKey();
  const envValues = { API_TOKEN: `tok-${randomBytes(12).toString('hex')}`, MULTI_LINE: `a\nb ${randomBytes(6).toString('base64')}\n` };
  let s3Id: string;
  let envId: string;
  let onePasswordId: string;
  /** Rows as they were before any rewrap, with their plaintext. */
  let before: Map<string, SealedRow & { plaintext: string }>;
  let secretsBefore: unknown[];
  let vaultsBefore: unknown[];
  let auditEventsBefore: number;

  /** With `keyring`: `cli run` reads the rotated S3 secret, and a server applies `edit` to the ENV secret (decrypt, re-seal). */
  async function runAndEditOn(keyring: MasterKeyring, edit: Omit<UpdateSecretInput, 'id'>): Promise<void> {
    expect(await injectableEnv(db, keyring, fromGlobalId(s3Id, 'Secret'))).toEqual({
      AWS_ACCESS_KEY_ID: s3Rotated.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3Rotated.secretAccessKey,
    });
    await mutateOk(executeOk(appOn(keyring), UpdateSecret, { input: { id: envId, ...edit } }, team.ownerToken));
  }

  beforeAll(async () => {
    const app = appA();
    // Every auth method family, ENV too; several versions of some.
    s3Id = await createSecret(app, { secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } });
    await mutateOk(executeOk(app, RotateSecret, { input: { id: s3Id, credentials: { accessKey: s3Rotated } } }, team.ownerToken));
    await createSecret(app, { secretType: 'R2', credentials: { accessKey: fixtures.accessKey() } });
    await createSecret(app, {
      secretType: 'AZURE_BLOB',
      authMethod: 'AZURE_ACCOUNT_KEY',
      credentials: { azureAccountKey: fixtures.azureAccountKey() },
    });
    await createSecret(app, {
      secretType: 'AZURE_BLOB',
      authMethod: 'AZURE_SAS_URL',
      credentials: { azureSasUrl: fixtures.azureSasUrl() },
    });
    await createSecret(app, { secretType: 'GCS', credentials: { gcsServiceAccount: fixtures.gcsServiceAccount() } });
    await createSecret(app, { secretType: 'B2', credentials: { b2ApplicationKey: fixtures.b2ApplicationKey() } });
    envId = await createSecret(app, { secretType: 'ENV', credentials: { envVars: [{ key: 'OLD_NAME', value: 'x' }] } });
    await mutateOk(
      executeOk(
        app,
        UpdateSecret,
        { input: { id: envId, values: Object.entries(envValues).map(([key, value]) => ({ key, value })) } },
        team.ownerToken,
      ),
    );
    // Vault connections of each type: one renamed (version 2, payload still bound to 1), one rotated (payload bound to 2).
    onePasswordId = await createVault(app, 'ONEPASSWORD', { onePassword: { accessToken: `ops_${randomBytes(12).toString('hex')}` } });
    const dopplerId = await createVault(app, 'DOPPLER', {
      doppler: { accessToken: `dp.st.${randomBytes(8).toString('hex')}`, project: 'web', config: 'prd' },
    });
    await createVault(app, 'INFISICAL', {
      infisical: {
        clientId: 'client',
        clientSecret: randomBytes(12).toString('hex'),
        projectId: 'p',
        environment: 'prod',
        secretPath: '/apps/api',
      },
    });
    await mutateOk(
      executeOk(app, UpdateVaultConnection, { input: { id: onePasswordId, name: `renamed-${randomUUID()}` } }, team.ownerToken),
    );
    await mutateOk(
      executeOk(
        app,
        RotateVaultConnection,
        {
          input: {
            id: dopplerId,
            credentials: { doppler: { accessToken: `dp.st.${randomBytes(8).toString('hex')}`, project: 'web', config: 'dev' } },
          },
        },
        team.ownerToken,
      ),
    );
    // A webhook whose signing secret was rotated once (sealed at secret version 2).
    const webhook = await executeOk(
      app,
      CreateWebhook,
      { input: { teamId: team.teamId, url: 'https://hooks.example.com/rewrap' } },
      team.ownerToken,
    );
    if (webhook.createWebhook.__typename !== 'CreateWebhookSuccess') throw new Error('no webhook');
    await mutateOk(executeOk(app, RotateWebhookSecret, { input: { id: webhook.createWebhook.webhook.id } }, team.ownerToken));
    // An EXTERNAL_VAULT secret: a version row without a payload, which rewrap must leave alone.
    await createSecret(app, {
      secretType: 'S3',
      vaultConnectionId: onePasswordId,
      fieldMappings: [
        { fieldName: 'access_key_id', reference: 'op://Infra/aws/access_key_id' },
        { fieldName: 'secret_access_key', reference: 'op://Infra/aws/secret_access_key' },
      ],
    });
  });

  test('everything is on key A; a server restarted on {B, previous: [A]} still reads old payloads and writes new ones under B', async () => {
    const rows = await sealedRows();
    expect(rows.length).toBe(13); // 9 secret versions with a payload, 3 vault connections, 1 webhook
    expect(new Set(rows.map((row) => row.masterKeyId))).toEqual(new Set([idA]));

    // Reading an A payload with the rotated keyring: `cli run` and a key-level edit (decrypt, re-seal).
    await runAndEditOn(rotated, { addValues: [{ key: 'ADDED_AFTER_ROTATION', value: 'added' }] });
    const after = await sealedRows();
    expect(after.filter((row) => row.masterKeyId === idB).map((row) => row.binding)).toEqual([
      { teamId: expect.any(String), secretId: fromGlobalId(envId, 'Secret'), version: 3 },
    ]);

    before = new Map(after.map((row) => [row.where, { ...row, plaintext: openRow(rotated, row) }]));
    secretsBefore = await db.selectFrom('secrets').selectAll().orderBy('id').execute();
    vaultsBefore = await db
      .selectFrom('vault_connections')
      .select(['id', 'name', 'version', 'payload_version', 'updated_at', 'updated_by', 'last_rotated_at'])
      .orderBy('id')
      .execute();
    auditEventsBefore = (await db.selectFrom('audit_events').select('id').execute()).length;
  });

  test('a run stopped after one batch has moved exactly that batch (committed); the next run finishes the rest', async () => {
    const onA = [...before.values()].filter((row) => row.masterKeyId === idA).length;
    expect(onA).toBe(13);

    const partial = await rewrapDataKeys(db, rotated, { batchSize: 5, maxBatches: 1 });
    expect(partial).toEqual({ rewrapped: 5, remaining: onA - 5, currentKeyId: idB });
    const middle = await sealedRows();
    expect(middle.filter((row) => row.masterKeyId === idA)).toHaveLength(onA - 5);
    expect(middle.filter((row) => row.masterKeyId === idB)).toHaveLength(before.size - (onA - 5));
    // Rows of both keys open with the rotated keyring at every point of the run.
    for (const row of middle) expect(openRow(rotated, row), row.where).toBe(before.get(row.where)!.plaintext);

    const rest = await rewrapDataKeys(db, rotated, { batchSize: 2 });
    expect(rest).toEqual({ rewrapped: onA - 5, remaining: 0, currentKeyId: idB });
  });

  test('afterwards: every row on B; ciphertext, iv and tag byte-equal; every payload opens with B alone, unchanged; nothing else changed', async () => {
    const after = await sealedRows();
    expect(after.map((row) => row.where)).toEqual([...before.keys()]);
    for (const row of after) {
      const old = before.get(row.where)!;
      expect(row.masterKeyId, row.where).toBe(idB);
      expect(row.ciphertext.equals(old.ciphertext), row.where).toBe(true);
      expect(row.iv.equals(old.iv), row.where).toBe(true);
      expect(row.authTag.equals(old.authTag), row.where).toBe(true);
      if (old.masterKeyId === idA) expect(row.wrappedDataKey.equals(old.wrappedDataKey), row.where).toBe(false);
      expect(openRow(onlyB, row), row.where).toBe(old.plaintext);
      expect(() => openRow(onlyA, row), row.where).toThrow(/No master key with id/);
    }
    // Not a change anyone made: versions, timestamps and the audit trail are as they were.
    expect(await db.selectFrom('secrets').selectAll().orderBy('id').execute()).toEqual(secretsBefore);
    expect(
      await db
        .selectFrom('vault_connections')
        .select(['id', 'name', 'version', 'payload_version', 'updated_at', 'updated_by', 'last_rotated_at'])
        .orderBy('id')
        .execute(),
    ).toEqual(vaultsBefore);
    expect((await db.selectFrom('audit_events').select('id').execute()).length).toBe(auditEventsBefore);
    const externalVersions = await db
      .selectFrom('secret_versions')
      .select(['master_key_id', 'wrapped_data_key'])
      .where('ciphertext', 'is', null)
      .execute();
    expect(externalVersions).toEqual([{ master_key_id: null, wrapped_data_key: null }]);
  });

  test('a second run has nothing to do', async () => {
    expect(await rewrapDataKeys(db, rotated)).toEqual({ rewrapped: 0, remaining: 0, currentKeyId: idB });
    // Key A can now be dropped: a keyring of B alone has nothing left to move either.
    expect(await rewrapDataKeys(db, onlyB)).toEqual({ rewrapped: 0, remaining: 0, currentKeyId: idB });
  });

  test('with key A gone, the API and `cli run` work on B alone', async () => {
    await runAndEditOn(onlyB, { renameKeys: [{ from: 'API_TOKEN', to: 'SERVICE_TOKEN' }] });
    expect(await injectableEnv(db, onlyB, fromGlobalId(envId, 'Secret'))).toEqual({
      SERVICE_TOKEN: envValues.API_TOKEN,
      MULTI_LINE: envValues.MULTI_LINE,
      ADDED_AFTER_ROTATION: 'added',
    });
  });

  test('rows under a key the keyring lacks: the others are re-wrapped, those are left untouched, and the error names the key id and row count', async () => {
    const keyC = randomBytes(32);
    const keyX = randomBytes(32); // lost: not in any keyring below
    const idX = keyId(keyX);
    const appX = appOn(createKeyring(keyX));
    const envX = await createSecret(appX, { secretType: 'ENV', credentials: { envVars: [{ key: 'ONE', value: '1' }] } });
    await mutateOk(executeOk(appX, UpdateSecret, { input: { id: envX, addValues: [{ key: 'TWO', value: '2' }] } }, team.ownerToken));
    await createVault(appX, 'ONEPASSWORD', { onePassword: { accessToken: `ops_${randomBytes(12).toString('hex')}` } });
    const s3C = await createSecret(appOn(createKeyring(keyC)), { secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } });
    // And one row under C whose wrapped data key was damaged: it does not unwrap although C is known.
    const damagedId = fromGlobalId(
      await createSecret(appOn(createKeyring(keyC)), { secretType: 'ENV', credentials: { envVars: [{ key: 'K', value: 'v' }] } }),
      'Secret',
    );
    const damaged = await db
      .selectFrom('secret_versions')
      .select('wrapped_data_key')
      .where('secret_id', '=', damagedId)
      .executeTakeFirstOrThrow();
    const flipped = Buffer.from(buf(damaged.wrapped_data_key!));
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 0xff, flipped.length - 1);
    await db.updateTable('secret_versions').set({ wrapped_data_key: flipped }).where('secret_id', '=', damagedId).execute();

    const rowsBefore = byWhere(await sealedRows());
    const keyring = createKeyring(keyB, [keyC]);
    const error = await rewrapDataKeys(db, keyring, { batchSize: 2 }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RewrapIncompleteError);
    const incomplete = error as RewrapIncompleteError;
    expect(incomplete.result).toEqual({ rewrapped: 1, remaining: 4, currentKeyId: idB });
    expect(incomplete.unknownKeys).toEqual([{ masterKeyId: idX, rows: 3 }]);
    expect(incomplete.damagedRows).toEqual([{ table: 'secret_versions', key: [damagedId, 1], masterKeyId: keyId(keyC) }]);
    expect(incomplete.message).toContain(`3 rows are wrapped by master keys not in the keyring: ${idX} (3 rows)`);
    expect(incomplete.message).toContain('CLOAKROOM_PREVIOUS_MASTER_KEYS');
    expect(incomplete.message).toContain(`secret_versions(${damagedId}, 1)`);
    for (const spelling of keySpellings(keyB, keyC, keyX)) expect(incomplete.message).not.toContain(spelling);

    // Nothing corrupted: the X rows and the damaged row are byte-for-byte what they were; X rows still open with X.
    const rowsAfter = await sealedRows();
    for (const row of rowsAfter) {
      const old = rowsBefore.get(row.where)!;
      if (row.masterKeyId === idX || row.where.includes(damagedId)) {
        expect(row, row.where).toEqual(old);
        if (row.masterKeyId === idX) expect(() => openRow(createKeyring(keyX), row), row.where).not.toThrow();
      } else {
        expect(row.masterKeyId, row.where).toBe(idB);
        expect(openRow(onlyB, row), row.where).toBe(old.masterKeyId === idB ? openRow(onlyB, old) : openRow(createKeyring(keyC), old));
      }
    }
    expect(
      rowsAfter.some((row) => row.where.startsWith(`secret_versions(${fromGlobalId(s3C, 'Secret')},`) && row.masterKeyId === idB),
    ).toBe(true);

    // The lost key found again: X rows move; the damaged row is still reported until it is gone.
    await expect(rewrapDataKeys(db, createKeyring(keyB, [keyC, keyX]))).rejects.toMatchObject({
      result: { rewrapped: 3, remaining: 1 },
      unknownKeys: [],
      damagedRows: [{ key: [damagedId, 1] }],
    });
    await mutateOk(
      executeOk(
        appOn(onlyB),
        DeleteSecret,
        { input: { id: toGlobalId('Secret', damagedId), forceDeleteWithoutRecovery: true } },
        team.ownerToken,
      ),
    );
    expect(await rewrapDataKeys(db, createKeyring(keyB, [keyC, keyX]))).toEqual({ rewrapped: 0, remaining: 0, currentKeyId: idB });
  });
});

describe.runIf(testDatabaseUrl)('rewrap beside a running server (PostgreSQL)', () => {
  test('a row a server transaction holds is skipped, not waited for; the next run picks it up', async () => {
    const keyC = randomBytes(32);
    const secretId = fromGlobalId(
      await createSecret(appOn(onlyB), { secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } }),
      'Secret',
    );
    const toC = createKeyring(keyC, [keyB]);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const isHeld = new Promise<void>((resolve) => (held = resolve));
    const holder = db.transaction().execute(async (trx) => {
      await trx.selectFrom('secret_versions').select('version').where('secret_id', '=', secretId).forUpdate().execute();
      held();
      await released;
    });
    try {
      await isHeld;
      const result = await rewrapDataKeys(db, toC);
      expect(result.remaining).toBe(1);
      expect(result.rewrapped).toBe((await sealedRows()).length - 1);
    } finally {
      release();
      await holder;
    }
    expect(await rewrapDataKeys(db, toC)).toEqual({ rewrapped: 1, remaining: 0, currentKeyId: keyId(keyC) });
    // Back to B for the next test.
    expect((await rewrapDataKeys(db, createKeyring(keyB, [keyC]))).remaining).toBe(0);
  });

  test('two runs at once and the server writing meanwhile: every row moved exactly once, all readable', async () => {
    const keyD = randomBytes(32);
    const fromB = createKeyring(keyD, [keyB]);
    const appB = appOn(onlyB);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++)
      ids.push(await createSecret(appB, { secretType: 'ENV', credentials: { envVars: [{ key: 'N', value: String(i) }] } }));
    const onB = (await sealedRows()).filter((row) => row.masterKeyId === idB).length;
    const appD = appOn(fromB); // the server restarted on the new key, editing secrets while the runs go
    const [first, second] = await Promise.all([
      rewrapDataKeys(db, fromB, { batchSize: 1 }),
      rewrapDataKeys(db, fromB, { batchSize: 3 }),
      ...ids.map((id, i) =>
        mutateOk(executeOk(appD, UpdateSecret, { input: { id, addValues: [{ key: 'M', value: `m${i}` }] } }, team.ownerToken)),
      ),
    ]);
    expect((first as { rewrapped: number }).rewrapped + (second as { rewrapped: number }).rewrapped).toBe(onB);
    const rows = await sealedRows();
    expect(rows.every((row) => row.masterKeyId === keyId(keyD))).toBe(true);
    for (const row of rows) expect(() => openRow(createKeyring(keyD), row), row.where).not.toThrow();
    for (const [i, id] of ids.entries())
      expect(await injectableEnv(db, createKeyring(keyD), fromGlobalId(id, 'Secret'))).toEqual({ N: String(i), M: `m${i}` });
  });
});
