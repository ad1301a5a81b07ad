import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Database, Role } from './database.ts';
import type { MasterKeyring } from './modules/crypto/envelope.ts';
import type { KeysetPage } from './pagination.ts';
import { isUuid } from './global-id.ts';
import { findUsersVisibleTo, type UserRow } from './modules/auth/auth.repository.ts';
import { findLocationsOfMember, listLocationsOfSecrets, type LocationRow } from './modules/location/location.repository.ts';
import { findWorkspacesOfMember, findWorkspacesOfSecrets, type WorkspaceRow } from './modules/workspace/workspace.repository.ts';
import { findSecretsOfMember, type SecretRow } from './modules/secret/secret.repository.ts';
import { findTeamsOfMember, type TeamWithRoleRow } from './modules/team/team.repository.ts';
import { findVaultConnectionsOfMember, type VaultConnectionMetadata } from './modules/vault-connection/vault-connection.repository.ts';

/** Who is calling: the token's user. */
export interface Viewer {
  userId: string;
  tokenId: string;
  /** The token's scopes; null when it is unscoped (its user's role alone decides). */
  scopes: readonly string[] | null;
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
  /** Vault connections in the viewer's teams (metadata only, never the sealed payload). */
  vaultConnection: DataLoader<string, VaultConnectionMetadata | null>;
  /** Secrets in the viewer's teams, each with its location count. */
  secret: DataLoader<string, SecretRow | null>;
  location: DataLoader<string, LocationRow | null>;
  workspace: DataLoader<string, WorkspaceRow | null>;
  /** The allowed workspaces of each secret (workspaceAccess SOME), by name. */
  workspacesOfSecret: DataLoader<string, WorkspaceRow[]>;
  /** One page (the same `first`/`after`) of locations per secret; one loader per distinct page. */
  locationsOfSecret(page: KeysetPage): DataLoader<string, (LocationRow & { sort_key: string })[]>;
}

export interface Context {
  db: Kysely<Database>;
  /** Master keys: seal new credentials under `current`. */
  keyring: MasterKeyring;
  viewer: Viewer;
  meta: RequestMeta;
  loaders: Loaders;
}

function byKey<T>(ids: readonly string[], rows: readonly T[], keyOf: (row: T) => string): (T | null)[] {
  const found = new Map(rows.map((row) => [keyOf(row), row]));
  return ids.map((id) => found.get(id) ?? null);
}

/**
 * Rows by id, in key order, null for what is not found. An id that is not a uuid names nothing
 * (`node(id)` hands over whatever follows "Type:" in the global id) and never reaches SQL.
 */
async function rowsById<T extends { id: string }>(ids: readonly string[], find: (uuids: string[]) => Promise<T[]>): Promise<(T | null)[]> {
  const uuids = ids.filter(isUuid);
  return byKey(ids, uuids.length > 0 ? await find(uuids) : [], (row) => row.id);
}

export function createLoaders(db: Kysely<Database>, viewer: Viewer): Loaders {
  const locationPages = new Map<string, DataLoader<string, (LocationRow & { sort_key: string })[]>>();
  return {
    team: new DataLoader((ids) => rowsById(ids, (uuids) => findTeamsOfMember(db, viewer.userId, uuids))),
    user: new DataLoader((ids) => rowsById(ids, (uuids) => findUsersVisibleTo(db, viewer.userId, uuids))),
    vaultConnection: new DataLoader((ids) => rowsById(ids, (uuids) => findVaultConnectionsOfMember(db, viewer.userId, uuids))),
    secret: new DataLoader((ids) => rowsById(ids, (uuids) => findSecretsOfMember(db, viewer.userId, uuids))),
    location: new DataLoader((ids) => rowsById(ids, (uuids) => findLocationsOfMember(db, viewer.userId, uuids))),
    workspace: new DataLoader((ids) => rowsById(ids, (uuids) => findWorkspacesOfMember(db, viewer.userId, uuids))),
    workspacesOfSecret: new DataLoader(async (secretIds) => {
      const bySecret = Map.groupBy(await findWorkspacesOfSecrets(db, secretIds), (row) => row.secret_id);
      return secretIds.map((id) => bySecret.get(id) ?? []);
    }),
    locationsOfSecret(page) {
      const key = JSON.stringify(page);
      let loader = locationPages.get(key);
      if (!loader) {
        loader = new DataLoader(async (secretIds) => {
          const bySecret = Map.groupBy(await listLocationsOfSecrets(db, secretIds, page), (row) => row.secret_id);
          return secretIds.map((id) => bySecret.get(id) ?? []);
        });
        locationPages.set(key, loader);
      }
      return loader;
    },
  };
}

/** Builds the context of one authenticated request. */
export function createContext(db: Kysely<Database>, keyring: MasterKeyring, viewer: Viewer, meta: RequestMeta): Context {
  return { db, keyring, viewer, meta, loaders: createLoaders(db, viewer) };
}

/** The viewer's role in a team, or null when they are not a member (so the team does not exist for them). */
export async function viewerRole(ctx: Context, teamId: string): Promise<Role | null> {
  return (await ctx.loaders.team.load(teamId))?.viewer_role ?? null;
}

/** Loaders for looking up what a mutation names before it runs, apart from the request's own. */
const lookupLoaders = new WeakMap<Context, Loaders>();

/**
 * The team of an object a global id names, if the viewer can see it; null for anything else.
 * A query looks through the request's loaders, so the resolver that then loads the object asks
 * no second time. A mutation looks through loaders of its own: rows cached before it ran would
 * otherwise be served, stale, in its answer (a secret's `locationCount` after `createLocation`).
 */
export async function teamOfObject(ctx: Context, ref: { typename: string; id: string }, operation: 'query' | 'mutation' | 'subscription'): Promise<string | null> {
  let source = ctx.loaders;
  if (operation === 'mutation') {
    source = lookupLoaders.get(ctx) ?? createLoaders(ctx.db, ctx.viewer);
    lookupLoaders.set(ctx, source);
  }
  const loaders: Partial<Record<string, DataLoader<string, { team_id: string } | null>>> = {
    Secret: source.secret,
    Location: source.location,
    VaultConnection: source.vaultConnection,
    Workspace: source.workspace,
  };
  return (await loaders[ref.typename]?.load(ref.id))?.team_id ?? null;
}
