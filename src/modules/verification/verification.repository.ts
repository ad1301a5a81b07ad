import { sql, type Expression, type ExpressionBuilder, type Insertable, type Selectable, type SqlBool } from 'kysely';
import type { Database, Db } from '../../database/database.ts';
import { countRows } from '../../database/count.ts';
import type { LocationVerificationTable, StoredCheck } from './verification.tables.ts';

export type LocationVerificationRow = Selectable<LocationVerificationTable>;

/**
 * How many verification runs of the team hold a slot: RUNNING rows younger than `staleAfterMs`
 * (a process that died mid-run leaves its rows RUNNING; past the budget they no longer count).
 * Call with the team row locked, so that two instances never both take the last slot.
 */
export async function countRunningRuns(db: Db, teamId: string, staleAfterMs: number): Promise<number> {
  const row = await db
    .selectFrom('location_verifications')
    .select(sql<string>`count(distinct run_id)`.as('runs'))
    .where('team_id', '=', teamId)
    .where('status', '=', 'RUNNING')
    .where('started_at', '>', sql<Date>`now() - make_interval(secs => ${staleAfterMs / 1000})`)
    .executeTakeFirstOrThrow();
  return Number(row.runs);
}

export async function insertRunning(db: Db, rows: readonly Insertable<LocationVerificationTable>[]): Promise<void> {
  if (rows.length) await db.insertInto('location_verifications').values(rows).execute();
}

/** Stores a finished verification; undefined when its row is gone (its location was deleted meanwhile). */
export async function finish(
  db: Db,
  id: string,
  result: { status: 'PASSED' | 'FAILED'; checks: StoredCheck[]; durationMs: number },
): Promise<LocationVerificationRow | undefined> {
  return db
    .updateTable('location_verifications')
    .set({ status: result.status, checks: JSON.stringify(result.checks), duration_ms: result.durationMs })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * How many locations linked to the secret have no PASSED verification of `version` started at or
 * after `since` (the promotion gate). Read with the secret row locked: no location joins meanwhile.
 */
export async function countLocationsNotPassed(db: Db, secretId: string, version: number, since: Date): Promise<number> {
  return countRows(
    db
      .selectFrom('locations')
      .where('locations.secret_id', '=', secretId)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('location_verifications')
              .select('location_verifications.id')
              .whereRef('location_verifications.location_id', '=', 'locations.id')
              .whereRef('location_verifications.secret_id', '=', 'locations.secret_id')
              .where('location_verifications.secret_version', '=', version)
              .where('location_verifications.status', '=', 'PASSED')
              .where('location_verifications.started_at', '>=', since),
          ),
        ),
      ),
  );
}

/** The newest finished verification of each location, in key order (dataloader). */
export async function findLastOfLocations(db: Db, locationIds: readonly string[]): Promise<LocationVerificationRow[]> {
  if (!locationIds.length) return [];
  return newestFinishedPerLocation(db, (eb) => eb('location_id', 'in', locationIds));
}

/** The newest finished verification of one secret version at each location now linked to the secret. */
export async function findLastOfVersionPerLinkedLocation(db: Db, secretId: string, version: number): Promise<LocationVerificationRow[]> {
  return newestFinishedPerLocation(db, (eb) =>
    eb.and([
      eb('secret_id', '=', secretId),
      eb('secret_version', '=', version),
      eb('location_id', 'in', eb.selectFrom('locations').select('id').where('secret_id', '=', secretId)),
    ]),
  );
}

/** One row per location, its newest that is no longer RUNNING, among the rows `where` keeps. */
function newestFinishedPerLocation(
  db: Db,
  where: (eb: ExpressionBuilder<Database, 'location_verifications'>) => Expression<SqlBool>,
): Promise<LocationVerificationRow[]> {
  return db
    .selectFrom('location_verifications')
    .distinctOn('location_id')
    .selectAll()
    .where(where)
    .where('status', '!=', 'RUNNING')
    .orderBy('location_id')
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}
