import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { testDatabaseUrl } from '../../test/helpers/database.ts';
import { createDatabase } from './database.ts';
import { createPool, MAX_PREPARED_STATEMENTS } from './pool.ts';

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
    expect(await db.selectNoFrom((eb) => eb.val('builder').as('made_by')).execute()).toEqual([{ made_by: 'builder' }]);
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

  test('a column added under a prepared `select *` (a migration while serving) re-prepares it instead of failing', async () => {
    const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 1 });
    close = () => db.destroy();
    const table = sql.table(`prepared_${randomUUID().replaceAll('-', '')}`);
    await sql`create table ${table} (id int primary key)`.execute(db);
    try {
      await sql`insert into ${table} values (1)`.execute(db);
      const read = () => sql`select * from ${table} where id = ${1}`.execute(db);
      expect((await read()).rows).toEqual([{ id: 1 }]);
      await sql`alter table ${table} add column note text default 'added'`.execute(db);
      expect((await read()).rows).toEqual([{ id: 1, note: 'added' }]);
      expect((await read()).rows).toEqual([{ id: 1, note: 'added' }]);
    } finally {
      await sql`drop table ${table}`.execute(db);
    }
  });

  test('pg-pool’s own pool.query (the callback path) is prepared the same way, errors included', async () => {
    const pool = createPool({ databaseUrl: testDatabaseUrl!, poolSize: 1 });
    close = () => pool.end();
    expect((await pool.query('select $1::int + 1 as n', [41])).rows).toEqual([{ n: 42 }]);
    const prepared = await pool.query<{ statement: string }>("select statement from pg_prepared_statements where name like 'cloakroom_%'");
    expect(prepared.rows.map((row) => row.statement)).toEqual(['select $1::int + 1 as n']);
    await expect(pool.query('select $1::int / 0 as n', [1])).rejects.toThrow(/division by zero/);
  });

  test('preparedStatements: false prepares nothing', async () => {
    const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 1, preparedStatements: false });
    close = () => db.destroy();
    await sql`select ${1}::int as one`.execute(db);
    expect((await PREPARED.execute(db)).rows).toEqual([]);
  });
});
