import type { Context } from '../../graphql/context.ts';
import type { Db } from '../../database/database.ts';
import { ConflictError, ErrorCode, NotFoundError } from '../../errors.ts';
import { recordObjectEvent } from '../audit/audit.service.ts';
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

/** What every change of a versioned object takes: its id, and the version it must be at (VERSION_MISMATCH), if any. */
export interface VersionedChangeInput {
  id: string;
  expectedVersion?: number | null | undefined;
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

/**
 * The delete of a versioned object: under `change`'s checks (authorise, lock, VERSION_MISMATCH),
 * `remove` deletes the row (refusing first what it must), then `action` (`<kind>.deleted`) is
 * recorded for the version deleted, in the same transaction.
 */
export function versionedDelete<Row extends VersionedRow & { id: string }>(
  change: VersionedChange<Row>,
  targetType: string,
  action: string,
  remove: (trx: Db, id: string) => Promise<void>,
): (ctx: Context, input: VersionedChangeInput) => Promise<void> {
  return async (ctx, input) => {
    await change(ctx, input.id, input.expectedVersion, async (trx, current) => {
      await remove(trx, current.id);
      await recordObjectEvent(trx, ctx, targetType, action, current);
    });
  };
}

/** A change of a named object: its `name` unless omitted or null, its `description` unless omitted (null clears it). */
export interface NamedChangeInput extends VersionedChangeInput {
  name?: string | null | undefined;
  description?: string | null | undefined;
}

/**
 * The update of an object whose name and description are all a client may change: under
 * `change`'s checks, `update` applies what the input gives (the version bumped), then `action`
 * (`<kind>.updated`) is recorded with the names of the fields given.
 */
export function versionedRename<Row extends VersionedRow & { id: string }, T>(
  change: VersionedChange<Row>,
  targetType: string,
  action: string,
  update: (trx: Db, id: string, patch: { name?: string; description?: string | null; updated_by: string }) => Promise<Row>,
  map: (row: Row) => T,
): (ctx: Context, input: NamedChangeInput) => Promise<T> {
  return (ctx, input) =>
    change(ctx, input.id, input.expectedVersion, async (trx, current) => {
      const patch = {
        ...(input.name != null && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
      };
      const row = await update(trx, current.id, { ...patch, updated_by: ctx.viewer.userId });
      await recordObjectEvent(trx, ctx, targetType, action, row, Object.keys(patch));
      return map(row);
    });
}
