import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { expect, test } from 'vitest';
import { createDatabase } from '../src/database/database.ts';
import { migrateTo } from './migrate.ts';
import { createIsolatedPostgresDatabase } from '../test/helpers/isolated-database.ts';

const sealed = () => ({
  ciphertext: randomBytes(32),
  iv: randomBytes(12),
  auth_tag: randomBytes(16),
  wrapped_data_key: randomBytes(60),
  master_key_id: 'k1',
});

test('0013_version_stages backfills CURRENT, auth methods and the CURRENT previews, and comes back down', async () => {
  const isolated = await createIsolatedPostgresDatabase();
  const db = createDatabase({ databaseUrl: isolated?.databaseUrl }) as Kysely<any>;
  try {
    await migrateTo(db, '0012_secret_expiry');
    const team = await db
      .insertInto('teams')
      .values({ name: 'T', slug: `t-${randomBytes(4).toString('hex')}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    const previews = [{ name: 'TOKEN', envVar: 'TOKEN', maskedValue: '••••' }];
    // A NATIVE secret rotated once (payload at version 2) and an EXTERNAL_VAULT one whose mappings changed once (no payload_version).
    const native = await db
      .insertInto('secrets')
      .values({
        team_id: team.id,
        name: 'native',
        name_key: 'native',
        secret_type: 'ENV',
        auth_method: 'ENV_VARS',
        storage: 'NATIVE',
        credential_fields: JSON.stringify(previews),
        payload_version: 2,
        version: 2,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const vault = await db
      .insertInto('vault_connections')
      .values({ team_id: team.id, name: 'v', name_key: 'v', vault_type: 'ONEPASSWORD', payload_version: 1, ...sealed() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const external = await db
      .insertInto('secrets')
      .values({
        team_id: team.id,
        name: 'external',
        name_key: 'external',
        secret_type: 'S3',
        auth_method: 'S3_ACCESS_KEY',
        storage: 'EXTERNAL_VAULT',
        vault_connection_id: vault.id,
        field_mappings: JSON.stringify([]),
        payload_version: null,
        version: 3,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('secret_versions')
      .values([
        { secret_id: native.id, version: 1, reason: 'CREATE', ...sealed() },
        { secret_id: native.id, version: 2, reason: 'ROTATE', ...sealed() },
        { secret_id: external.id, version: 1, reason: 'CREATE' },
        { secret_id: external.id, version: 3, reason: 'UPDATE' },
      ])
      .execute();

    await migrateTo(db, '0013_version_stages');
    const secrets = await db
      .selectFrom('secrets')
      .select(['id', 'payload_version', 'pending_version', 'previous_version'])
      .orderBy('name', 'desc')
      .execute();
    expect(secrets).toEqual([
      { id: native.id, payload_version: 2, pending_version: null, previous_version: null },
      { id: external.id, payload_version: 3, pending_version: null, previous_version: null },
    ]);
    const versions = await db
      .selectFrom('secret_versions')
      .select(['secret_id', 'version', 'auth_method', 'credential_fields', 'restored_from', 'destroyed_at'])
      .orderBy('secret_id')
      .orderBy('version')
      .execute();
    const of = (id: string) => versions.filter((v) => v.secret_id === id).map(({ secret_id: _id, ...v }) => v);
    // Only the CURRENT version's previews are known; the older one's stay null.
    expect(of(native.id)).toEqual([
      { version: 1, auth_method: 'ENV_VARS', credential_fields: null, restored_from: null, destroyed_at: null },
      { version: 2, auth_method: 'ENV_VARS', credential_fields: previews, restored_from: null, destroyed_at: null },
    ]);
    expect(of(external.id).map((v) => [v.version, v.auth_method, v.credential_fields])).toEqual([
      [1, 'S3_ACCESS_KEY', null],
      [3, 'S3_ACCESS_KEY', null],
    ]);

    // What 0013 allows, then down: a RESTORE version becomes UPDATE, stages and per-version columns go, vault secrets lose payload_version.
    await db
      .insertInto('secret_versions')
      .values({ secret_id: native.id, version: 3, reason: 'RESTORE', auth_method: 'ENV_VARS', restored_from: 1, ...sealed() })
      .execute();
    await db.updateTable('secrets').set({ payload_version: 3, previous_version: 2, version: 3 }).where('id', '=', native.id).execute();
    await migrateTo(db, '0012_secret_expiry');
    expect(
      await db.selectFrom('secret_versions').select(['version', 'reason']).where('secret_id', '=', native.id).orderBy('version').execute(),
    ).toEqual([
      { version: 1, reason: 'CREATE' },
      { version: 2, reason: 'ROTATE' },
      { version: 3, reason: 'UPDATE' },
    ]);
    expect(await db.selectFrom('secrets').select(['name', 'payload_version']).orderBy('name').execute()).toEqual([
      { name: 'external', payload_version: null },
      { name: 'native', payload_version: 3 },
    ]);
    const { rows } = await sql<{ column_name: string }>`
      select column_name from information_schema.columns
      where (table_name = 'secrets' and column_name in ('pending_version', 'previous_version'))
         or (table_name = 'secret_versions' and column_name in ('auth_method', 'credential_fields', 'restored_from', 'destroyed_at'))
    `.execute(db);
    expect(rows).toEqual([]);
    // And up again.
    await migrateTo(db, '0013_version_stages');
  } finally {
    await db.destroy();
    await isolated?.drop();
  }
});
