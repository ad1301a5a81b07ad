import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMigrationProvider, Migrator } from 'kysely/migration';
import { describe, expect, test } from 'vitest';
import { migrateToLatest } from '../../db/migrate.ts';
import { createApp } from '../../src/http/app.ts';
import { createDatabase } from '../../src/database/database.ts';
import { toGlobalId } from '../../src/graphql/global-id.ts';
import { createLogger } from '../../src/http/logger.ts';
import { createKeyring } from '../../src/modules/crypto/envelope.ts';
import { remaskPreviews } from '../../src/modules/secret/remask.service.ts';
import { sealCredentials } from '../../src/modules/secret/secret-payload.ts';
import { bootstrapTeam, issueMemberToken } from '../../src/modules/team/team.service.ts';
import { nameKey } from '../../src/modules/shared/names.ts';
import { executeOk, type TestApp } from '../helpers/app.ts';
import { CreateSecret, NodeById } from '../helpers/documents.ts';
import { useTestApp } from '../helpers/fixtures.ts';
import { createIsolatedPostgresDatabase } from '../helpers/isolated-database.ts';
import { rawId } from '../helpers/ids.ts';

/** How many characters of `value` a preview shows: all but the mask itself. */
const revealed = (preview: string) => Array.from(preview.replace('••••', '')).length;

const { t, team } = useTestApp({ members: true });

/** The previews a VIEWER reads of a secret, key → maskedValue. */
async function viewerPreviews(app: TestApp['app'], id: string, token: string): Promise<Record<string, string | null>> {
  const { node } = await executeOk(app, NodeById, { id }, token);
  if (node?.__typename !== 'Secret') throw new Error(`no secret ${id}`);
  return Object.fromEntries((node.credentialFields ?? []).map((field) => [field.envVar, field.maskedValue]));
}

describe('masked previews: at most a quarter of a value, nothing under 16 characters', () => {
  // The issue's example: 12 characters used to preview as `Pw0r••••Qz7`, 7 of them.
  const values = {
    LEN_8: 'Pw0rd!Xy',
    LEN_12: 'Pw0rd!Xy9Qz7',
    LEN_15: 'Pw0rd!Xy9Qz7abc',
    LEN_16: 'ab345678901234yz',
    LEN_20: 'AKIAIOSFODNN7EXAMPLE',
    LEN_40: `AKIA${'x'.repeat(33)}XYZ`,
  };

  test('new secrets: lengths 8, 12, 15 show the fixed mask; 16, 20, 40 at most a quarter (4 + 3 at most)', async () => {
    const data = await executeOk(
      t.app,
      CreateSecret,
      {
        input: {
          teamId: team.teamId,
          name: `previews-${randomUUID()}`,
          secretType: 'ENV',
          credentials: { envVars: Object.entries(values).map(([key, value]) => ({ key, value })) },
        },
      },
      team.ownerToken,
    );
    if (data.createSecret.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(data));
    const previews = await viewerPreviews(t.app, data.createSecret.secret.id, team.members.VIEWER.token);
    expect(previews).toEqual({
      LEN_8: '••••',
      LEN_12: '••••',
      LEN_15: '••••',
      LEN_16: 'ab••••yz',
      LEN_20: 'AKI••••LE',
      LEN_40: 'AKIA••••XYZ',
    });
    for (const [key, value] of Object.entries(values)) expect(revealed(previews[key]!)).toBeLessThanOrEqual(Math.floor(value.length / 4));
  });

  test('previews stored by the old rule are masked by the migration, then derived anew from the payloads with the keyring', async () => {
    const isolated = await createIsolatedPostgresDatabase();
    const db = createDatabase({ databaseUrl: isolated?.databaseUrl });
    try {
      const migrator = new Migrator({
        db,
        provider: new FileMigrationProvider({
          fs,
          path,
          migrationFolder: path.join(path.dirname(fileURLToPath(import.meta.url)), '../../db/migrations'),
        }),
      });
      // The team and its tokens come from today's code (it writes tables later migrations add, such as
      // the event outbox): made on the latest schema, which then goes down to 0009 under them.
      await migrateToLatest(db);
      const keyring = createKeyring(randomBytes(32));
      const { team: oldTeam, token: ownerToken } = await bootstrapTeam(db, {
        teamName: 'Old previews',
        email: `old-${randomUUID()}@example.test`,
      });
      const { token: oldViewerToken } = await issueMemberToken(db, {
        teamId: oldTeam.id,
        email: `viewer-${randomUUID()}@example.test`,
        role: 'VIEWER',
        tokenName: 'test',
      });
      const before = await migrator.migrateTo('0009_team_invitations');
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- Kysely hands back whatever the migration threw (`unknown`); rethrown as is
      if (before.error) throw before.error;
      /** A secret row exactly as the code before the rule wrote it: previews of 4 + 3 from 12 characters on. */
      const storeOld = async (pairs: Record<string, string>, sealWith = keyring) => {
        const id = randomUUID();
        const name = `old-${id}`;
        const oldMask = (value: string) => (value.length < 12 ? '••••' : `${value.slice(0, 4)}••••${value.slice(-3)}`);
        const previews = Object.entries(pairs).map(([key, value]) => ({ name: key, envVar: key, maskedValue: oldMask(value) }));
        await db
          .insertInto('secrets')
          .values({
            id,
            team_id: oldTeam.id,
            name,
            name_key: nameKey(name),
            description: null,
            secret_type: 'ENV',
            auth_method: 'ENV_VARS',
            storage: 'NATIVE',
            credential_fields: JSON.stringify(previews),
            payload_version: 1,
            field_mappings: null,
            vault_connection_id: null,
            created_by: null,
            updated_by: null,
          })
          .execute();
        const sealed = sealCredentials(
          sealWith,
          Object.entries(pairs).map(([key, value]) => ({ name: key, value })),
          { teamId: oldTeam.id, secretId: id, version: 1 },
        );
        await db
          .insertInto('secret_versions')
          // The table as of 0009: no auth_method nor per-version previews yet (migration 0013).
          .values({ secret_id: id, version: 1, reason: 'CREATE', ...sealed, created_by: null } as never)
          .execute();
        return toGlobalId('Secret', id);
      };
      const readable = await storeOld({ PASSWORD: values.LEN_12, ACCESS_KEY: values.LEN_20, LONG: values.LEN_40 });
      // Sealed under a master key this keyring lacks: it cannot be derived anew, and must still reveal nothing.
      const otherKey = randomBytes(32);
      const foreign = await storeOld({ TOKEN: values.LEN_40 }, createKeyring(otherKey));
      // The rows as the old code left them, which every VIEWER read (read from the table: today's
      // app reads columns later migrations add).
      const storedPreviews = async (id: string) => {
        const row = await db.selectFrom('secrets').select('credential_fields').where('id', '=', rawId(id)).executeTakeFirstOrThrow();
        return Object.fromEntries(row.credential_fields.map((field) => [field.envVar, field.maskedValue]));
      };
      expect(await storedPreviews(readable)).toEqual({
        PASSWORD: 'Pw0r••••Qz7',
        ACCESS_KEY: 'AKIA••••PLE',
        LONG: 'AKIA••••XYZ',
      });

      await migrateToLatest(db);
      const app = createApp({ db, keyring, logger: createLogger('silent'), rateLimit: false });
      // Right after the migration, before any key was at hand: only the fixed mask is served.
      expect(await viewerPreviews(app, readable, oldViewerToken)).toEqual({ PASSWORD: '••••', ACCESS_KEY: '••••', LONG: '••••' });
      const versionBefore = await db.selectFrom('secrets').select(['version', 'updated_at']).orderBy('id').execute();

      // What the server runs at start (and `cli remask`): derived anew where the keyring opens the payload.
      expect(await remaskPreviews(db, keyring, { batchSize: 1 })).toEqual({ remasked: 1, remaining: 1 });
      expect(await viewerPreviews(app, readable, oldViewerToken)).toEqual({
        PASSWORD: '••••',
        ACCESS_KEY: 'AKI••••LE',
        LONG: 'AKIA••••XYZ',
      });
      expect(await viewerPreviews(app, foreign, ownerToken)).toEqual({ TOKEN: '••••' });
      // Not a change of the secrets: versions and timestamps stay; and a second run has nothing to do.
      expect(await db.selectFrom('secrets').select(['version', 'updated_at']).orderBy('id').execute()).toEqual(versionBefore);
      expect(await remaskPreviews(db, keyring)).toEqual({ remasked: 0, remaining: 1 });
      // With the missing key in the keyring (as CLOAKROOM_PREVIOUS_MASTER_KEYS), the last one is done too.
      expect(await remaskPreviews(db, createKeyring(keyring.current, [otherKey]))).toEqual({ remasked: 1, remaining: 0 });
      expect(await viewerPreviews(app, foreign, ownerToken)).toEqual({ TOKEN: 'AKIA••••XYZ' });
    } finally {
      await db.destroy();
      await isolated?.drop();
    }
  });
});
