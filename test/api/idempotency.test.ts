import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { createTeamWithOwner, executeOk } from '../helpers/app.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { CreateLocation, CreateSecret, CreateTeam, CreateVaultConnection, CreateWorkspace } from '../helpers/documents.ts';
import { fixtures, useTestApp } from '../helpers/fixtures.ts';
import type { CreateSecretInput } from '../gql/graphql.ts';
import { fromGlobalId } from '../../src/graphql/global-id.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logger.ts';
import { createKeyring } from '../../src/modules/crypto/envelope.ts';

const { t, team } = useTestApp();

let counter = 0;
const secretInput = (idempotencyKey: string): CreateSecretInput => ({
  teamId: team.teamId,
  name: `idem-${Date.now()}-${counter++}`,
  secretType: 'S3',
  credentials: { accessKey: fixtures.accessKey() },
  idempotencyKey,
});
const secretId = (result: Awaited<ReturnType<typeof createSecret>>) => {
  if (result.createSecret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
  return result.createSecret.secret.id;
};
const createSecret = (input: CreateSecretInput, token = team.ownerToken) => executeOk(t.app, CreateSecret, { input }, token);
const countSecretsNamed = async (name: string) =>
  Number(
    (
      await t.db
        .selectFrom('secrets')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('name', '=', name)
        .executeTakeFirstOrThrow()
    ).n,
  );
const auditCount = async (id: string) =>
  Number(
    (
      await t.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('target_id', '=', fromGlobalId(id, 'Secret'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('idempotencyKey on creates', () => {
  test('the same key and input returns the first result without a second write', async () => {
    const input = secretInput(`key-${counter}`);
    const first = secretId(await createSecret(input));
    const again = secretId(await createSecret(input));
    expect(again).toBe(first);
    expect(await countSecretsNamed(input.name!)).toBe(1);
    expect(await auditCount(first)).toBe(1);
  });

  test('a retry across a master-key rotation answers the first result; another input with the key is still IDEMPOTENCY_KEY_REUSED', async () => {
    const input = secretInput(`key-${counter}`);
    const first = secretId(await createSecret(input));
    // The server restarted with a new CLOAKROOM_MASTER_KEY, the old one in CLOAKROOM_PREVIOUS_MASTER_KEYS.
    const rotated = createApp({
      db: t.db,
      keyring: createKeyring(randomBytes(32), [t.keyring.current]),
      logger: createLogger('silent'),
      rateLimit: false,
    });
    const again = await executeOk(rotated, CreateSecret, { input }, team.ownerToken);
    expect(secretId(again)).toBe(first);
    expect(await countSecretsNamed(input.name!)).toBe(1);
    expect(await auditCount(first)).toBe(1);
    const other = await executeOk(rotated, CreateSecret, { input: { ...input, name: `${input.name}-other` } }, team.ownerToken);
    expect(other.createSecret).toMatchObject({ __typename: 'ConflictError', code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await countSecretsNamed(`${input.name}-other`)).toBe(0);
  });

  test('the same key with another input is IDEMPOTENCY_KEY_REUSED and creates nothing', async () => {
    const input = secretInput(`key-${counter}`);
    await createSecret(input);
    const other = { ...input, name: `${input.name}-other` };
    expect((await createSecret(other)).createSecret).toMatchObject({ __typename: 'ConflictError', code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await countSecretsNamed(other.name)).toBe(0);
  });

  test('keys belong to their user: another user’s same key is unrelated', async () => {
    const other = await createTeamWithOwner(t.db);
    const key = `shared-${counter}`;
    const mine = secretId(await createSecret(secretInput(key)));
    const theirs = secretId(await createSecret({ ...secretInput(key), teamId: other.teamId }, other.ownerToken));
    expect(theirs).not.toBe(mine);
  });

  test('keys expire after 24 hours', async () => {
    const key = `old-${counter}`;
    const first = secretId(await createSecret(secretInput(key)));
    await sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = ${key}`.execute(t.db);
    const second = secretId(await createSecret(secretInput(key)));
    expect(second).not.toBe(first);
  });

  test('the stored request hash is an HMAC, not the input', async () => {
    const input = secretInput(`hash-${counter}`);
    await createSecret(input);
    const row = await t.db.selectFrom('idempotency_keys').selectAll().where('key', '=', input.idempotencyKey!).executeTakeFirstOrThrow();
    const stored = Buffer.from(row.request_hash);
    expect(stored).toHaveLength(32);
    for (const value of Object.values(input.credentials!.accessKey!)) expect(stored.toString('latin1')).not.toContain(value);
  });

  test('teams, workspaces, vault connections and locations replay too', async () => {
    const teamInput = { name: `Idem ${counter}`, idempotencyKey: `team-${counter++}` };
    const teams = [
      await executeOk(t.app, CreateTeam, { input: teamInput }, team.ownerToken),
      await executeOk(t.app, CreateTeam, { input: teamInput }, team.ownerToken),
    ];
    expect(teams[0]).toEqual(teams[1]);
    const workspaceInput = { teamId: team.teamId, name: `ws-${counter}`, idempotencyKey: `ws-${counter++}` };
    const workspaces = [
      await executeOk(t.app, CreateWorkspace, { input: workspaceInput }, team.ownerToken),
      await executeOk(t.app, CreateWorkspace, { input: workspaceInput }, team.ownerToken),
    ];
    expect(workspaces[0]).toEqual(workspaces[1]);
    expect(workspaces[0]!.createWorkspace.__typename).toBe('CreateWorkspaceSuccess');
    const vaultInput = {
      teamId: team.teamId,
      name: `v-${counter}`,
      vaultType: 'ONEPASSWORD' as const,
      credentials: { onePassword: { accessToken: 'ops_token_value_123456' } },
      idempotencyKey: `v-${counter++}`,
    };
    const vaults = [
      await executeOk(t.app, CreateVaultConnection, { input: vaultInput }, team.ownerToken),
      await executeOk(t.app, CreateVaultConnection, { input: vaultInput }, team.ownerToken),
    ];
    expect(vaults[0]).toEqual(vaults[1]);
    const secret = secretId(await createSecret(secretInput(`for-location-${counter}`)));
    const locationInput = {
      teamId: team.teamId,
      name: `loc-${counter}`,
      locationType: 'S3' as const,
      secretId: secret,
      bucketName: 'b',
      idempotencyKey: `loc-${counter++}`,
    };
    const locations = [
      await executeOk(t.app, CreateLocation, { input: locationInput }, team.ownerToken),
      await executeOk(t.app, CreateLocation, { input: locationInput }, team.ownerToken),
    ];
    expect(locations[0]).toEqual(locations[1]);
    expect(locations[0]!.createLocation.__typename).toBe('CreateLocationSuccess');
  });

  test.runIf(testDatabaseUrl)('concurrent retries with one key create exactly one secret (PostgreSQL)', async () => {
    const input = secretInput(`race-${counter}`);
    const results = await Promise.all(Array.from({ length: 10 }, () => createSecret(input)));
    const ids = new Set(results.map(secretId));
    expect(ids.size).toBe(1);
    expect(await countSecretsNamed(input.name!)).toBe(1);
  });
});
