import { sql, type Kysely } from 'kysely';
import { expect, test } from 'vitest';
import { createDatabase } from '../src/database/database.ts';
import { nameKey } from '../src/modules/shared/names.ts';
import { testDatabaseUrl } from '../test/helpers/database.ts';
import { migrateTo, migrateToLatest } from './migrate.ts';

test.skipIf(testDatabaseUrl)(
  '0007_name_keys backfills name_key, keeps rows that are one name now reachable, and comes back down (PGlite)',
  async () => {
    const db = createDatabase({}) as Kysely<any>;
    try {
      await migrateTo(db, '0005_token_scopes_idempotency');
      const team = await db.insertInto('teams').values({ name: 'T', slug: 't' }).returning('id').executeTakeFirstOrThrow();
      const [alice, bob] = await db
        .insertInto('users')
        .values([{ email: 'a@example.test' }, { email: 'b@example.test' }])
        .returning('id')
        .execute();
      if (!alice || !bob) throw new Error('users not inserted');
      const secret = (name: string, owner: string | null, at: number) => ({
        team_id: team.id,
        name,
        secret_type: 'ENV',
        auth_method: 'ENV_VARS',
        storage: 'NATIVE',
        credential_fields: '[]',
        visibility: owner ? 'PRIVATE' : 'TEAM',
        owner_id: owner,
        created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, at)),
      });
      // Distinct under lower(name), one name under NFKC + case folding: the older keeps the key.
      await db
        .insertInto('secrets')
        .values([secret('file', null, 1), secret('ﬁle', null, 2), secret('Café', null, 3), secret('private', alice.id, 4)])
        .execute();
      await db
        .insertInto('workspaces')
        .values([
          { team_id: team.id, name: 'cafe\u0301' },
          { team_id: team.id, name: 'CAFÉ' },
        ])
        .execute();

      await migrateToLatest(db);
      const secrets = await db.selectFrom('secrets').select(['name', 'name_key']).orderBy('created_at').execute();
      expect(secrets.map((row) => row.name_key)).toEqual([
        'file',
        expect.stringMatching(/^file\u0001[0-9a-f-]{36}$/),
        nameKey('Café'),
        'private',
      ]);
      const workspaces = await db.selectFrom('workspaces').select('name_key').execute();
      expect(workspaces.filter((row) => row.name_key === nameKey('café'))).toHaveLength(1);

      // Now: another member's PRIVATE name is free, a TEAM lookalike is not.
      await db
        .insertInto('secrets')
        .values({ ...secret('PRIVATE', bob.id, 5), name_key: 'private' })
        .execute();
      await expect(
        db
          .insertInto('secrets')
          .values({ ...secret('FILE', null, 6), name_key: 'file' })
          .execute(),
      ).rejects.toMatchObject({ code: '23505' });

      // Down refuses while two members' PRIVATE secrets share a name (lower(name) per team cannot hold them)…
      await expect(migrateTo(db, '0005_token_scopes_idempotency')).rejects.toMatchObject({ code: '23505' });
      await db.deleteFrom('secrets').where('name', '=', 'PRIVATE').execute();
      // …and goes back to lower(name) otherwise.
      await migrateTo(db, '0005_token_scopes_idempotency');
      const columns = await sql<{
        column_name: string;
      }>`select column_name from information_schema.columns where table_name = 'secrets' and column_name = 'name_key'`.execute(db);
      expect(columns.rows).toEqual([]);
      await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
  },
);
