import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Database, Role } from './database.ts';
import { findUsersVisibleTo, type UserRow } from './modules/auth/auth.repository.ts';
import { findTeamsOfMember, type TeamWithRoleRow } from './modules/team/team.repository.ts';

/** Who is calling: the token's user. */
export interface Viewer {
  userId: string;
  tokenId: string;
}

/** Facts about the HTTP request that the audit trail keeps. */
export interface RequestMeta {
  requestId: string;
  clientIp: string | null;
  userAgent: string | null;
}

/** Per-request batching; every loader answers in key order, null for what the viewer cannot see. */
export interface Loaders {
  /** Teams the viewer belongs to, with the viewer's role in each. */
  team: DataLoader<string, TeamWithRoleRow | null>;
  /** Users who share a team with the viewer (and the viewer). */
  user: DataLoader<string, UserRow | null>;
}

export interface Context {
  db: Kysely<Database>;
  viewer: Viewer;
  meta: RequestMeta;
  loaders: Loaders;
}

function byKey<T>(ids: readonly string[], rows: readonly T[], keyOf: (row: T) => string): (T | null)[] {
  const found = new Map(rows.map((row) => [keyOf(row), row]));
  return ids.map((id) => found.get(id) ?? null);
}

export function createLoaders(db: Kysely<Database>, viewer: Viewer): Loaders {
  return {
    team: new DataLoader(async (ids) => byKey(ids, await findTeamsOfMember(db, viewer.userId, ids), (row) => row.id)),
    user: new DataLoader(async (ids) => byKey(ids, await findUsersVisibleTo(db, viewer.userId, ids), (row) => row.id)),
  };
}

/** Builds the context of one authenticated request. */
export function createContext(db: Kysely<Database>, viewer: Viewer, meta: RequestMeta): Context {
  return { db, viewer, meta, loaders: createLoaders(db, viewer) };
}

/** The viewer's role in a team, or null when they are not a member (so the team does not exist for them). */
export async function viewerRole(ctx: Context, teamId: string): Promise<Role | null> {
  return (await ctx.loaders.team.load(teamId))?.viewer_role ?? null;
}
