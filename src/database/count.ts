import type { SelectQueryBuilder } from 'kysely';
import type { Database } from './database.ts';

/** How many rows `query` finds, as a number: `count(*)` is a bigint, which PostgreSQL sends as text. */
export async function countRows<TB extends keyof Database>(query: SelectQueryBuilder<Database, TB, object>): Promise<number> {
  const { count } = await query.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  return Number(count);
}
