import { sql, type Expression, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../../database/database.ts';
import { rowsOfMember } from '../shared/rows-of-member.ts';
import { anyOf } from '../../database/any.ts';
import type { LocationTable } from './location.tables.ts';
import { nameTakenAsConflict, versionedNamedPatch, withNameKey } from '../shared/named-rows.ts';
import {
  containsPattern,
  DEFAULT_ORDER,
  keysetBounds,
  keysetOrder,
  listKeyset,
  type Keyset,
  paginateInOrder,
  type ListOrder,
} from '../../database/keyset.ts';
import type { KeysetPage } from '../../graphql/pagination.ts';

export type LocationRow = Selectable<LocationTable>;

/** Locations among `ids` in teams the user belongs to. */
export async function findLocationsOfMember(db: Db, userId: string, ids: readonly string[]): Promise<LocationRow[]> {
  if (!ids.length) return [];
  return rowsOfMember(db, 'locations', userId, ids).selectAll('locations').execute();
}

export async function insertLocation(db: Db, row: Omit<Insertable<LocationTable>, 'name_key'>): Promise<LocationRow> {
  return nameTakenAsConflict(
    db.insertInto('locations').values(withNameKey(row)).returningAll().executeTakeFirstOrThrow(),
    'location',
    row.name,
  );
}

export async function lockLocation(db: Db, id: string): Promise<LocationRow | undefined> {
  return db.selectFrom('locations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Applies a change and bumps the version by one. */
export async function updateLocation(db: Db, id: string, patch: Omit<Updateable<LocationTable>, 'name_key'>): Promise<LocationRow> {
  return nameTakenAsConflict(
    db.updateTable('locations').set(versionedNamedPatch(patch)).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
    'location',
    patch.name,
  );
}

export async function deleteLocation(db: Db, id: string): Promise<void> {
  await db.deleteFrom('locations').where('id', '=', id).execute();
}

/** Every location of a secret, by name (verifySecret verifies them all; a secret has a handful). */
export async function findAllLocationsOfSecret(db: Db, secretId: string): Promise<LocationRow[]> {
  return db
    .selectFrom('locations')
    .selectAll()
    .where('secret_id', '=', secretId)
    .orderBy(sql`lower(name)`)
    .orderBy('id')
    .execute();
}

export interface LocationFilter {
  locationType?: string | null | undefined;
  search?: string | null | undefined;
}

/** A page of a team's locations, filtered and keyset-ordered. */
export async function listLocations(db: Db, teamId: string, filter: LocationFilter, order: ListOrder, page: KeysetPage) {
  let query = db.selectFrom('locations').selectAll('locations').where('locations.team_id', '=', teamId);
  if (filter.locationType) query = query.where('locations.location_type', '=', filter.locationType);
  if (filter.search) query = query.where(sql<boolean>`lower(locations.name) like ${containsPattern(filter.search)}`);
  return paginateInOrder(query, 'locations', order, page).execute();
}

/** Locations by name, within the page's cursors, with the sort key `toConnection` makes cursors of. */
function locationsInPage(db: Db, keyset: Keyset, page: KeysetPage) {
  return keysetBounds(keyset, page).reduce(
    (query, bound) => query.where(bound),
    db
      .selectFrom('locations')
      .selectAll('locations')
      .select(sql<string>`lower(locations.name)`.as('sort_key')),
  );
}

/**
 * The same page of locations (by name) for each of several secrets, in one statement: a window
 * function numbers each secret's locations so that every secret gets at most `page.limit`.
 */
export async function listLocationsOfSecrets(db: Db, secretIds: readonly string[], page: KeysetPage) {
  if (!secretIds.length) return [];
  const keyset = listKeyset('locations', DEFAULT_ORDER);
  const ranked = locationsInPage(db, keyset, page)
    // Numbered in the order the page reads (backward from the end for `last`), so each secret keeps the rows nearest its cursor.
    .select(sql<number>`row_number() over (partition by locations.secret_id order by ${keysetOrder(keyset, page)})`.as('position'))
    .where('locations.secret_id', '=', anyOf(secretIds));
  return db
    .selectFrom(ranked.as('ranked'))
    .selectAll()
    .where('position', '<=', page.limit)
    .orderBy('secret_id')
    .orderBy('position')
    .execute();
}

/** One secret's page of locations, as `listLocationsOfSecrets` reads each secret's: a subquery another statement folds in. */
export function locationsPageOfSecret(db: Db, secretId: Expression<string>, page: KeysetPage) {
  const keyset = listKeyset('locations', DEFAULT_ORDER);
  return locationsInPage(db, keyset, page).where('locations.secret_id', '=', secretId).orderBy(keysetOrder(keyset, page)).limit(page.limit);
}

/** A location row that PostgreSQL built as JSON (see `locationsPageOfSecret`), as `pg` reads the row: timestamps as Dates. */
export function locationFromJson(
  json: Omit<LocationRow, 'created_at' | 'updated_at'> & { created_at: string; updated_at: string; sort_key: string },
): LocationRow & { sort_key: string } {
  return { ...json, created_at: new Date(json.created_at), updated_at: new Date(json.updated_at) };
}
