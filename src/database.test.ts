import { sql } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { testDatabaseUrl } from '../test/helpers/database.ts';
import { createDatabase, MAX_PREPARED_STATEMENTS } from './database.ts';

/** The statements this session has prepared (PostgreSQL keeps them per connection). */
const PREPARED = sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements where name like 'cloakroom_%'`;

describe.runIf(testDatabaseUrl)('prepared statements on PostgreSQL (one connection, so every statement meets the same session)', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  test('a statement with parameters is prepared once under a stable name and answers correctly each time', async () => {
    const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 1 });
    close = () => db.destroy();
    const twice = sql<{ doubled: number }>`select ${21}::int * 2 as doubled`;
    expect((await twice.execute(db)).rows).toEqual([{ doubled: 42 }]);
    expect((await sql<{ doubled: number }>`select ${21}::int * 2 as doubled`.execute(db)).rows).toEqual([{ doubled: 42 }]);
    expect((await db.selectNoFrom((eb) => eb.val('builder').as('made_by')).execute())).toEqual([{ made_by: 'builder' }]);
    const prepared = (await PREPARED.execute(db)).rows;
    expect(prepared.filter((row) => row.statement.includes('* 2 as doubled'))).toHaveLength(1);
    expect(prepared.some((row) => row.statement.includes('as "made_by"'))).toBe(true);
    // No parameters, no preparation: BEGIN/COMMIT keep the simple protocol.
    await db.transaction().execute(async (trx) => sql`select 1`.execute(trx));
    expect((await PREPARED.execute(db)).rows.some((row) => /^(begin|commit|select 1)$/i.test(row.statement))).toBe(false);
  });

  test(`past ${MAX_PREPARED_STATEMENTS} distinct texts, new ones run unprepared (bounded server memory)`, async () => {
    const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 1 });
    close = () => db.destroy();
    for (let i = 0; i < MAX_PREPARED_STATEMENTS + 20; i++) {
      expect((await sql<{ n: number }>`select ${sql.lit(i)}::int + ${0}::int as n`.execute(db)).rows).toEqual([{ n: i }]);
    }
    expect((await PREPARED.execute(db)).rows.length).toBe(MAX_PREPARED_STATEMENTS);
  });

  test('preparedStatements: false prepares nothing', async () => {
    const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 1, preparedStatements: false });
    close = () => db.destroy();
    await sql`select ${1}::int as one`.execute(db);
    expect((await PREPARED.execute(db)).rows).toEqual([]);
  });
});
