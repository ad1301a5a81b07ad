import { GraphQLError } from 'graphql';

/** The connection arguments every list accepts. */
export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

/** The sort key of the last row seen, and how many rows to read (one more than the page, to know if another follows). */
export interface KeysetPage {
  after: readonly [sortValue: string, id: string] | null;
  limit: number;
  size: number;
}

/** Largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

export function encodeCursor(key: readonly [string, string]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What a list sorts by, so that a forged cursor can never reach SQL with a value of the wrong
 * type: `integer` is PostgreSQL's (32-bit), `bigint` its 64-bit one.
 */
export type SortValueKind = 'timestamp' | 'text' | 'integer' | 'bigint';

const INT4_MAX = 2_147_483_647;
/** Exactly what `Date.toISOString` writes for the years PostgreSQL reads (it has no year 0). */
const ISO_TIMESTAMP = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function isSortValue(value: unknown, kind: SortValueKind): value is string {
  if (typeof value !== 'string') return false;
  if (kind === 'bigint') return /^\d{1,18}$/.test(value);
  if (kind === 'integer') return /^\d{1,10}$/.test(value) && Number(value) <= INT4_MAX;
  // PostgreSQL text cannot hold U+0000.
  if (kind === 'text') return value.length <= 1000 && !value.includes('\u0000');
  // Date.parse is lenient ("1", "March 7", "2020-02-30…"): only the exact text of a valid instant.
  const time = Date.parse(value);
  return ISO_TIMESTAMP.test(value) && !Number.isNaN(time) && new Date(time).toISOString() === value;
}

function decodeCursor(cursor: string, kind: SortValueKind): KeysetPage['after'] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === 2 && isSortValue(key[0], kind) && typeof key[1] === 'string' && UUID.test(key[1])) {
      return [key[0], key[1]];
    }
  } catch {
    // fall through: a cursor we did not issue
  }
  throw badInput('Argument "after" is not a cursor issued by this API');
}

/** Validates `first`/`after` (forward keyset pagination only) into a page to read. */
export function parsePageArgs(args: PageArgs, sortValue: SortValueKind): KeysetPage {
  if (args.last != null || args.before != null) throw badInput('Only forward pagination is supported: use "first" and "after"');
  const size = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw badInput(`Argument "first" must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  return { after: args.after ? decodeCursor(args.after, sortValue) : null, limit: size + 1, size };
}

/**
 * Builds a Relay connection from rows read with `page.limit` (one extra row means another page
 * exists): `keyOf` gives a row's cursor key, `toNode` the object the API shows for it.
 */
export function toConnection<Row, Node>(rows: readonly Row[], page: KeysetPage, keyOf: (row: Row) => readonly [string, string], toNode: (row: Row) => Node) {
  const edges = rows.slice(0, page.size).map((row) => ({ cursor: encodeCursor(keyOf(row)), node: toNode(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.size,
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
