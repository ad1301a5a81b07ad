import type { SelectQueryBuilder } from 'kysely';
import { anyOf } from '../../database/any.ts';
import type { Database, Db } from '../../database/database.ts';

/** The tables whose rows belong to a team, by their `team_id` (a team, by its `id`), and are looked up by `id` in batches. */
export type TeamOwnedTable = 'teams' | 'locations' | 'workspaces' | 'vault_connections' | 'webhooks' | 'audit_events';

/**
 * The rows of `table` among `ids` in teams the user belongs to, joined to the user's membership
 * there (`memberships.role`): whether the user may read them is authorize()'s to say. One
 * statement whatever the number of ids (see anyOf); the caller selects the columns.
 */
export function rowsOfMember<T extends TeamOwnedTable>(
  db: Db,
  table: T,
  userId: string,
  ids: readonly string[],
): SelectQueryBuilder<Database, T | 'memberships', object> {
  // Kysely cannot resolve `${T}.team_id` for a generic T: the query is built over the union and
  // returned typed for T alone, so that the caller selects only from its own table.
  const owned: TeamOwnedTable = table;
  return db
    .selectFrom(owned)
    .innerJoin('memberships', 'memberships.team_id', owned === 'teams' ? 'teams.id' : `${owned}.team_id`)
    .where('memberships.user_id', '=', userId)
    .where(`${owned}.id`, '=', anyOf(ids));
}
