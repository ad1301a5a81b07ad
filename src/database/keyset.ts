import { sql, type Expression, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { KeysetKey, KeysetPage, SortValueKind } from '../graphql/pagination.ts';
import type { Db } from './database.ts';

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

/** The tables whose lists sort by name by default (DEFAULT_ORDER). */
export type NamedTable = 'secrets' | 'locations' | 'vault_connections' | 'workspaces';

/**
 * One row's cursor key in DEFAULT_ORDER, computed by PostgreSQL as its list computes it (its
 * lower() is not JavaScript's toLowerCase() beyond ASCII), for the edge a create returns.
 */
export async function defaultOrderCursorKey(db: Db, table: NamedTable, id: string): Promise<readonly [string, string]> {
  const { rows } = await sql<{
    sort_key: string;
  }>`select ${sortKey(table, DEFAULT_ORDER)} as sort_key from ${sql.table(table)} where id = ${id}`.execute(db);
  // Deleted by someone else since it was created: there is no edge to give.
  if (!rows[0]) throw new Error(`${table} row is gone`);
  return [rows[0].sort_key, id];
}

/**
 * How a list is ordered: its sort key, then the column that orders rows with equal keys (null
 * when the key alone is unique in the list, so that an index on the key serves), in the list's
 * direction. A cursor holds a row's key and id; only the parts named here are compared.
 */
export interface Keyset {
  key: Expression<unknown>;
  tiebreak: Expression<unknown> | null;
  direction: 'ASC' | 'DESC';
}

/** The keyset of a list in a client-chosen order: its sort key, then `table.id`. */
export function listKeyset(table: string, order: ListOrder): Keyset {
  return { key: sortKey(table, order), tiebreak: sql.ref(`${table}.id`), direction: order.direction };
}

/**
 * The keyset of a list in creation order: `created_at`, then `tiebreak` (a unique column: the id)
 * for rows made in the same millisecond. `table` qualifies both where the query joins others.
 */
export function creationKeyset(direction: 'ASC' | 'DESC', { table, tiebreak = 'id' }: { table?: string; tiebreak?: string } = {}): Keyset {
  const column = (name: string) => sql.ref(table ? `${table}.${name}` : name);
  return { key: column('created_at'), tiebreak: column(tiebreak), direction };
}

/** Rows strictly past a cursor on one side, as a row comparison `(key, id) > (…)`: an index range, never an offset. */
function beyond(keyset: Keyset, [value, id]: KeysetKey, side: 'after' | 'before'): RawBuilder<SqlBool> {
  const comparison = (keyset.direction === 'ASC') === (side === 'after') ? sql`>` : sql`<`;
  return keyset.tiebreak
    ? sql<SqlBool>`(${keyset.key}, ${keyset.tiebreak}) ${comparison} (${value}, ${id})`
    : sql<SqlBool>`${keyset.key} ${comparison} ${value}`;
}

/** The conditions that keep a page's rows between its cursors. */
export function keysetBounds(keyset: Keyset, page: KeysetPage): RawBuilder<SqlBool>[] {
  return [page.after && beyond(keyset, page.after, 'after'), page.before && beyond(keyset, page.before, 'before')].filter(
    (bound) => bound !== null,
  );
}

/** The ORDER BY items of a page: the list's order, reversed for a page read backward (from its end). */
export function keysetOrder(keyset: Keyset, page: KeysetPage): RawBuilder<unknown> {
  const direction = (keyset.direction === 'ASC') !== page.backward ? sql`asc` : sql`desc`;
  return keyset.tiebreak ? sql`${keyset.key} ${direction}, ${keyset.tiebreak} ${direction}` : sql`${keyset.key} ${direction}`;
}

/**
 * Applies keyset pagination to a list query, forward or backward: keeps the rows between the
 * cursors, orders them in the direction the page reads, and reads one row more than the page
 * (`toConnection` turns a backward page round).
 */
export function paginate<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, keyset: Keyset, page: KeysetPage) {
  const bounded = keysetBounds(keyset, page).reduce((paged, bound) => paged.where(bound), query);
  return bounded.orderBy(keysetOrder(keyset, page)).limit(page.limit);
}

/** `paginate` in a client-chosen order, selecting the sort key as `sort_key` for `cursorKey`. */
export function paginateInOrder<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  table: string,
  order: ListOrder,
  page: KeysetPage,
) {
  return paginate(query.select(sql<string | Date>`${sortKey(table, order)}`.as('sort_key')), listKeyset(table, order), page);
}

/** `%term%` for ILIKE-style search with the term's own wildcards escaped. */
export function containsPattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
