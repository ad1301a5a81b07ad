import type { Context } from '../../graphql/context.ts';
import type { Db } from '../../database/database.ts';
import { ConflictError, ErrorCode, NotFoundError } from '../../errors.ts';
import { authorize } from '../auth/auth.service.ts';
import type { Action } from '../auth/permissions.ts';

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

/** One kind of versioned row, as `versionedChange` needs to change it. */
interface VersionedKind<Row extends VersionedRow> {
  /** For messages: "secret", "location", … */
  what: string;
  /** The row as the viewer's membership sees it (`ctx.loaders.beforeScopes`: authorize() judges the scopes); null when it is not theirs to see. */
  visible: (ctx: Context, id: string) => Promise<Row | null | undefined>;
  /** The action the viewer needs in the row's team, or a check that throws unless the viewer may change it. */
  authorize: Action | ((ctx: Context, visible: Row) => Promise<unknown>);
  /** Reads the row again inside the transaction, locking it (`FOR UPDATE`). */
  lock: (trx: Db, id: string) => Promise<Row | undefined>;
}

/** Runs `change` on the locked row; `authorize` overrides the kind's own check (e.g. a delete's). */
type VersionedChange<Row extends VersionedRow> = <T>(
  ctx: Context,
  id: string,
  expectedVersion: number | null | undefined,
  change: (trx: Db, current: Row) => Promise<T>,
  authorize?: (ctx: Context, visible: Row) => Promise<unknown>,
) => Promise<T>;

/**
 * The shape of every change to a versioned object: authorise on what the viewer can see
 * (before the transaction, so those reads never wait for the connection it holds), then, in
 * one transaction, lock the row, check its version (VERSION_MISMATCH) and apply `change`.
 */
export function versionedChange<Row extends VersionedRow>(kind: VersionedKind<Row>): VersionedChange<Row> {
  const { authorize: needs } = kind;
  const authorizeKind = typeof needs === 'string' ? (ctx: Context, visible: Row) => authorize(ctx, visible.team_id, needs) : needs;
  return async (ctx, id, expectedVersion, change, authorizeChange = authorizeKind) => {
    const visible = await kind.visible(ctx, id);
    if (!visible) throw new NotFoundError(`No such ${kind.what}`);
    await authorizeChange(ctx, visible);
    return ctx.db.transaction().execute(async (trx) => {
      const current = await kind.lock(trx, id);
      if (!current) throw new NotFoundError(`No such ${kind.what}`);
      checkExpectedVersion(kind.what, current, expectedVersion);
      return change(trx, current);
    });
  };
}
