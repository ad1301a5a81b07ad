import { sql, type Kysely } from 'kysely';

/**
 * Names are unique by their `name_key` (NFKC + case folding, computed in src/modules/shared/names.ts), not by
 * `lower(name)`: `ﬁle`/`file` and NFC/NFD `café` are one name. Secrets: a TEAM secret's name is
 * unique among the team's TEAM secrets, a PRIVATE secret's among its owner's PRIVATE secrets (a
 * name never collides with a secret its creator cannot see: no existence oracle).
 */

/** src/modules/shared/names.ts `nameKey` as of this migration (frozen: a later change of the rule gets its own migration). */
const nameKey = (name: string) => name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');

const TABLES = ['secrets', 'locations', 'vault_connections', 'workspaces'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await db.schema.alterTable(table).addColumn('name_key', 'text').execute();
    const rows = await db
      .selectFrom(table)
      .select(['id', 'team_id', 'name', ...(table === 'secrets' ? ['visibility', 'owner_id'] : [])])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    // Rows that were distinct under lower(name) but are one name now (a `ﬁle` beside a `file`):
    // the oldest keeps the name; a later one gets a key no name can produce (names hold no
    // control characters), so the index holds and the row stays reachable until it is renamed.
    const taken = new Set<string>();
    for (const row of rows) {
      const scope = table === 'secrets' && row.visibility === 'PRIVATE' ? `${row.team_id}/${row.owner_id}` : `${row.team_id}`;
      let key = nameKey(row.name);
      if (taken.has(`${scope}/${key}`)) key = `${key}\u0001${row.id}`;
      taken.add(`${scope}/${key}`);
      await db.updateTable(table).set({ name_key: key }).where('id', '=', row.id).execute();
    }
    await db.schema
      .alterTable(table)
      .alterColumn('name_key', (c) => c.setNotNull())
      .execute();
  }

  await db.schema.dropIndex('secrets_team_name_key').execute();
  await sql`create unique index secrets_team_name_key on secrets (team_id, name_key) where visibility = 'TEAM'`.execute(db);
  await sql`create unique index secrets_owner_name_key on secrets (team_id, owner_id, name_key) where visibility = 'PRIVATE'`.execute(db);
  for (const table of ['locations', 'vault_connections', 'workspaces'] as const) {
    await db.schema.dropIndex(`${table}_team_name_key`).execute();
    await db.schema.createIndex(`${table}_team_name_key`).on(table).columns(['team_id', 'name_key']).unique().execute();
  }
}

/** Back to `lower(name)` per team; fails (unique violation) while two members' PRIVATE secrets share a name. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('secrets_owner_name_key').execute();
  for (const table of TABLES) {
    await db.schema.dropIndex(`${table}_team_name_key`).execute();
    await db.schema.alterTable(table).dropColumn('name_key').execute();
    await db.schema
      .createIndex(`${table}_team_name_key`)
      .on(table)
      .expression(sql`team_id, lower(name)`)
      .unique()
      .execute();
  }
}
