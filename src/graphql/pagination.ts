import { GraphQLError } from 'graphql';

/** The connection arguments every list accepts. */
export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

/** A position in a list: the sort value of a row and its id, as a cursor holds them. */
export type KeysetKey = readonly [sortValue: string, id: string];

/**
 * A page to read: the rows strictly between the cursors (`after`, `before`, in the list's order),
 * the first `size` of them, or with `backward` the last `size` (read in reverse order, then turned
 * round). `limit` is one more than the page, to know if more rows lie beyond it.
 */
export interface KeysetPage {
  after: KeysetKey | null;
  before: KeysetKey | null;
  backward: boolean;
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

function decodeCursor(argument: 'after' | 'before', cursor: string, kind: SortValueKind): KeysetKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === 2 && isSortValue(key[0], kind) && typeof key[1] === 'string' && UUID.test(key[1])) {
      return [key[0], key[1]];
    }
  } catch {
    // fall through: a cursor we did not issue
  }
  throw badInput(`Argument "${argument}" is not a cursor issued by this API`);
}

function pageSize(argument: 'first' | 'last', size: number): number {
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE)
    throw badInput(`Argument "${argument}" must be between 0 and ${MAX_PAGE_SIZE}`);
  return size;
}

/**
 * Validates the connection arguments into a page to read. `first` reads forward, `last` backward;
 * with neither, `DEFAULT_PAGE_SIZE` rows, backward when only `before` is given (the page just
 * before that cursor, as a client paging back expects), else forward.
 */
export function parsePageArgs(args: PageArgs, sortValue: SortValueKind): KeysetPage {
  if (args.first != null && args.last != null)
    throw badInput('Arguments "first" and "last" cannot be used together: "first" pages forward, "last" backward');
  const backward = args.last != null || (args.first == null && args.before != null && args.after == null);
  const size = args.first != null ? pageSize('first', args.first) : args.last != null ? pageSize('last', args.last) : DEFAULT_PAGE_SIZE;
  return {
    after: args.after ? decodeCursor('after', args.after, sortValue) : null,
    before: args.before ? decodeCursor('before', args.before, sortValue) : null,
    backward,
    limit: size + 1,
    size,
  };
}

/**
 * Builds a Relay connection from rows read with `page.limit` in the order the page reads (reversed
 * when `page.backward`): `keyOf` gives a row's cursor key, `toNode` the object the API shows for it.
 * Edges are always in the list's order. The flags follow the Relay spec: in the direction the page
 * was read, whether the extra row was found; and true on a side a cursor bounds (`after`:
 * hasPreviousPage, `before`: hasNextPage), where the cursor's own row lies, without a statement
 * to count what is there.
 */
export function toConnection<Row, Node>(
  rows: readonly Row[],
  page: KeysetPage,
  keyOf: (row: Row) => KeysetKey,
  toNode: (row: Row) => Node,
) {
  const inPage = rows.slice(0, page.size);
  if (page.backward) inPage.reverse();
  const edges = inPage.map((row) => ({ cursor: encodeCursor(keyOf(row)), node: toNode(row) }));
  const more = rows.length > page.size;
  return {
    edges,
    pageInfo: {
      hasNextPage: (!page.backward && more) || page.before !== null,
      hasPreviousPage: (page.backward && more) || page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
