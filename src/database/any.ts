import { sql, type RawBuilder } from 'kysely';

/**
 * `column = any($1)` with the values as one array parameter: a batch lookup keeps one SQL text
 * whatever its size, so each loader is one prepared statement (`in ($1 … $n)` would be one per
 * batch size, each parsed and planned anew).
 */
export function anyOf<T>(values: readonly T[]): RawBuilder<T> {
  return sql<T>`any(${values})`;
}
