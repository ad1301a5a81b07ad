import type { Context } from '../../graphql/context.ts';
import type { Db } from '../../database/database.ts';
import { ConflictError, ErrorCode, NotFoundError } from '../../errors.ts';

/** A row that belongs to a team and counts its changes. */
export interface VersionedRow {
  team_id: string;
  version: number;
}

/** The compare-and-set of every change: a stale `expectedVersion` is a ConflictError VERSION_MISMATCH. */
export function checkExpectedVersion(what: string, current: { version: number }, expectedVersion: number | null | undefined): void {
  if (expectedVersion != null && expectedVersion !== current.version) {
    throw new ConflictError(`The ${what} is at version ${current.version}, not ${expectedVersion}`, ErrorCode.VERSION_MISMATCH);
  }
}

export interface VersionedChange<Row extends VersionedRow> {
  /** For messages: "secret", "location", … */
  what: string;
  /** The row as the viewer's membership sees it (`ctx.loaders.beforeScopes`: authorize() judges the scopes); null when it is not theirs to see. */
  visible: Row | null | undefined;
  /** Throws unless the viewer may change it. */
  authorize: (visible: Row) => Promise<unknown>;
  /** Reads the row again inside the transaction, locking it (`FOR UPDATE`). */
  lock: (trx: Db) => Promise<Row | undefined>;
  expectedVersion: number | null | undefined;
}

/**
 * The shape of every change to a versioned object: authorise on what the viewer can see
 * (before the transaction, so those reads never wait for the connection it holds), then, in
 * one transaction, lock the row, check its version and apply `change`.
 */
export async function changeVersioned<Row extends VersionedRow, T>(ctx: Context, spec: VersionedChange<Row>, change: (trx: Db, current: Row) => Promise<T>): Promise<T> {
  if (!spec.visible) throw new NotFoundError(`No such ${spec.what}`);
  await spec.authorize(spec.visible);
  return ctx.db.transaction().execute(async (trx) => {
    const current = await spec.lock(trx);
    if (!current) throw new NotFoundError(`No such ${spec.what}`);
    checkExpectedVersion(spec.what, current, spec.expectedVersion);
    return change(trx, current);
  });
}
