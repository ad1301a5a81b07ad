import { sql, type Expression, type SelectQueryBuilder } from 'kysely';
import type { KeysetPage, SortValueKind } from '../graphql/pagination.ts';

/** How a list is ordered: by name (case-insensitively) or by creation time, then by id. */
export interface ListOrder {
  field: 'NAME' | 'CREATED_AT';
  direction: 'ASC' | 'DESC';
}

export const DEFAULT_ORDER: ListOrder = { field: 'NAME', direction: 'ASC' };

/** The cursor's sort value kind for an order, so forged cursors are refused before SQL. */
export function sortValueKind(order: ListOrder): SortValueKind {
  return order.field === 'NAME' ? 'text' : 'timestamp';
}

/** The SQL sort key of `table` for an order; every list index is on (team, this key, id). */
function sortKey(table: string, order: ListOrder): Expression<string | Date> {
  return order.field === 'NAME' ? sql<string>`lower(${sql.ref(`${table}.name`)})` : sql<Date>`${sql.ref(`${table}.created_at`)}`;
}

/** A row's cursor key as the client sees it: names as text, timestamps as ISO strings. */
export function cursorKey(row: { sort_key: string | Date; id: string }): readonly [string, string] {
  return [row.sort_key instanceof Date ? row.sort_key.toISOString() : row.sort_key, row.id];
}

/**
 * Applies keyset pagination to a list query: selects the sort key as `sort_key`, keeps rows
 * after the cursor with a row comparison `(key, id) > (…)` (an index range, never an offset),
 * orders by key then id, and reads one row more than the page.
 */
export function paginate<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, table: string, order: ListOrder, page: KeysetPage) {
  const key = sortKey(table, order);
  const direction = order.direction === 'ASC' ? sql`asc` : sql`desc`;
  let paged = query.select(sql<string | Date>`${key}`.as('sort_key'));
  if (page.after) {
    const [value, id] = page.after;
    const comparison = order.direction === 'ASC' ? sql`>` : sql`<`;
    paged = paged.where(sql<boolean>`(${key}, ${sql.ref(`${table}.id`)}) ${comparison} (${value}, ${id})`);
  }
  return paged.orderBy(sql`${key} ${direction}`).orderBy(sql`${sql.ref(`${table}.id`)} ${direction}`).limit(page.limit);
}

/** `%term%` for ILIKE-style search with the term's own wildcards escaped. */
export function containsPattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
