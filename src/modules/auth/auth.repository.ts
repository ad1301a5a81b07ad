import { sql, type Expression, type Insertable, type Selectable } from 'kysely';
import type { ApiTokenTable } from './auth.tables.ts';
import type { Db } from '../../database/database.ts';
import { anyOf } from '../../database/any.ts';
import type { UserTable } from '../team/team.tables.ts';
import type { KeysetPage } from '../../graphql/pagination.ts';
import { creationKeyset, paginate } from '../../database/keyset.ts';

export type ApiTokenRow = Selectable<ApiTokenTable>;
export type UserRow = Selectable<UserTable>;

/** The token row with what authentication needs; one statement per request. */
export async function findActiveTokenByLookupId(db: Db, lookupId: string) {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'secret_hash', 'scopes', 'expires_at'])
    .where('lookup_id', '=', lookupId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
    .executeTakeFirst();
}

export async function insertApiToken(db: Db, token: Insertable<ApiTokenTable>): Promise<ApiTokenRow> {
  return db.insertInto('api_tokens').values(token).returningAll().executeTakeFirstOrThrow();
}

/** Revokes one of the user's own tokens; undefined when the user has no such live token. */
export async function revokeApiToken(db: Db, userId: string, tokenId: string): Promise<ApiTokenRow | undefined> {
  return db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', tokenId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** The user's own tokens among `ids` (revoked and expired ones too); anyone else's stay invisible. */
export async function findApiTokensOfUser(db: Db, userId: string, ids: readonly string[]): Promise<ApiTokenRow[]> {
  if (!ids.length) return [];
  return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).where('id', '=', anyOf(ids)).execute();
}

/** A page of the user's tokens, newest first, keyset on (created_at, id). */
export async function listApiTokensOfUser(db: Db, userId: string, page: KeysetPage): Promise<ApiTokenRow[]> {
  const query = db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId);
  return paginate(query, creationKeyset('DESC'), page).execute();
}

/** Users who are the viewer or share a team with them; others stay invisible. */
function usersVisibleTo(db: Db, viewerId: string) {
  return db
    .selectFrom('users')
    .selectAll('users')
    .where((eb) =>
      eb.or([
        eb('users.id', '=', viewerId),
        eb.exists(
          eb
            .selectFrom('memberships as theirs')
            .innerJoin('memberships as mine', 'mine.team_id', 'theirs.team_id')
            .whereRef('theirs.user_id', '=', 'users.id')
            .where('mine.user_id', '=', viewerId),
        ),
      ]),
    );
}

/** Users among `ids` who are the viewer or share a team with them; others stay invisible. */
export async function findUsersVisibleTo(db: Db, viewerId: string, ids: readonly string[]): Promise<UserRow[]> {
  if (!ids.length) return [];
  return usersVisibleTo(db, viewerId).where('users.id', '=', anyOf(ids)).execute();
}

/** The user `userId` refers to, as `findUsersVisibleTo` answers the viewer: a subquery another statement folds in. */
export function userVisibleTo(db: Db, viewerId: string, userId: Expression<string | null>) {
  return usersVisibleTo(db, viewerId).where('users.id', '=', userId);
}

/** A user row that PostgreSQL built as JSON (see `userVisibleTo`), as `pg` reads the row: its timestamp a Date. */
export function userFromJson(json: Omit<UserRow, 'created_at'> & { created_at: string }): UserRow {
  return { ...json, created_at: new Date(json.created_at) };
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
}

/** Finds the user with this email (case-insensitively) or creates it; safe against a concurrent insert. */
export async function findOrCreateUser(db: Db, email: string, name: string | null = null): Promise<UserRow> {
  const inserted = await db
    .insertInto('users')
    .values({ email, name })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ?? (await findUserByEmail(db, email))!;
}
