import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { Role } from '../modules/team/team.tables.ts';
import type { MasterKeyring } from '../modules/crypto/envelope.ts';
import type { TeamEventHub } from '../modules/events/event-hub.ts';
import type { OutboundGuard } from '../modules/outbound/outbound-guard.ts';
import type { KeysetPage } from './pagination.ts';
import { compositeId, isUuid, splitCompositeId } from './global-id.ts';
import { READ_ACTION, roleMayPerform, scopesAllowReading } from '../modules/auth/permissions.ts';
import * as auditRepository from '../modules/audit/audit.repository.ts';
import type { AuditEventRow } from '../modules/audit/audit.repository.ts';
import * as authRepository from '../modules/auth/auth.repository.ts';
import type { ApiTokenRow, UserRow } from '../modules/auth/auth.repository.ts';
import * as locationRepository from '../modules/location/location.repository.ts';
import type { LocationRow } from '../modules/location/location.repository.ts';
import * as workspaceRepository from '../modules/workspace/workspace.repository.ts';
import type { WorkspaceRow } from '../modules/workspace/workspace.repository.ts';
import * as secretRepository from '../modules/secret/secret.repository.ts';
import type { SecretRow, SecretVersionRow } from '../modules/secret/secret.repository.ts';
import * as teamRepository from '../modules/team/team.repository.ts';
import type { MembershipRow, TeamWithRoleRow } from '../modules/team/team.repository.ts';
import * as verificationRepository from '../modules/verification/verification.repository.ts';
import type { LocationVerificationRow } from '../modules/verification/verification.repository.ts';
import * as vaultConnectionRepository from '../modules/vault-connection/vault-connection.repository.ts';
import type { VaultConnectionMetadata } from '../modules/vault-connection/vault-connection.repository.ts';

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

/** Loaders of the object types a token's scopes can hide (`READ_ACTION` in permissions.ts). */
export interface ScopedLoaders {
  /** Vault connections in the viewer's teams (metadata only, never the sealed payload). */
  vaultConnection: DataLoader<string, VaultConnectionMetadata | null>;
  /** Secrets in the viewer's teams, each with its location count. */
  secret: DataLoader<string, SecretRow | null>;
  location: DataLoader<string, LocationRow | null>;
}

/**
 * Per-request batching; every loader answers in key order, null for what the viewer cannot see:
 * objects outside their teams, and objects of a type their token's scopes do not cover. So every
 * field and `node(id)` that loads through here keeps to the token's scopes without checking them.
 */
export interface Loaders extends ScopedLoaders {
  /** Teams the viewer belongs to, with the viewer's role in each. */
  team: DataLoader<string, TeamWithRoleRow | null>;
  /** Users who share a team with the viewer (and the viewer). */
  user: DataLoader<string, UserRow | null>;
  workspace: DataLoader<string, WorkspaceRow | null>;
  /** The viewer's own API tokens (nobody else's, whatever their role). */
  apiToken: DataLoader<string, ApiTokenRow | null>;
  /** Events of the teams whose trail the viewer may read: the role and the scope `Team.auditEvents` needs. */
  auditEvent: DataLoader<string, AuditEventRow | null>;
  /** Memberships of the viewer's teams, by `compositeId(teamId, userId)`. */
  membership: DataLoader<string, MembershipRow | null>;
  /** Versions of the secrets `secret` answers (so its scopes and visibility), by `compositeId(secretId, version)`. */
  secretVersion: DataLoader<string, SecretVersionRow | null>;
  /** The newest finished verification of each location (`Location.lastVerification`); asked only for locations already loaded. */
  lastVerification: DataLoader<string, LocationVerificationRow | null>;
  /** The allowed workspaces of each secret (workspaceAccess SOME), by name. */
  workspacesOfSecret: DataLoader<string, WorkspaceRow[]>;
  /** One page (the same `first`/`after`) of locations per secret; one loader per distinct page; empty without a locations scope. */
  locationsOfSecret(page: KeysetPage): DataLoader<string, (LocationRow & { sort_key: string })[]>;
  /**
   * The same rows before the token's scopes apply (team membership only), for a service about to
   * authorize() a change: that refuses a wrong scope with a ForbiddenError and records the denial.
   * Never answer a read from these.
   */
  beforeScopes: ScopedLoaders;
}

export interface Context {
  db: Kysely<Database>;
  /** Master keys: seal new credentials under `current`. */
  keyring: MasterKeyring;
  /** Every request to an address a user chose (a storage endpoint, a webhook) goes through it. */
  outbound: OutboundGuard;
  viewer: Viewer;
  meta: RequestMeta;
  loaders: Loaders;
  /** Live team events of this process (subscriptions). */
  events: TeamEventHub;
  /** Teams whose event stream this request appended to (see `AuditActor`): woken once the request's execution is over. */
  teamsWithNewEvents: Set<string>;
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

/**
 * Rows keyed by two columns, by `compositeId` key, in key order, null for what is not found. A key
 * whose parts are not of the columns' types (`parse` answers null) names nothing and never reaches SQL.
 */
async function rowsByCompositeId<K, T>(
  keys: readonly string[],
  parse: (first: string, second: string) => K | null,
  find: (parsed: K[]) => Promise<T[]>,
  keyOf: (row: T) => string,
): Promise<(T | null)[]> {
  const parsed = keys.flatMap((key) => {
    const parts = splitCompositeId(key);
    const value = parts && parse(...parts);
    return value === null ? [] : [value];
  });
  return byKey(keys, parsed.length > 0 ? await find(parsed) : [], keyOf);
}

/** A secret version's number as a key part: a positive PostgreSQL integer, written as the id writes it. */
function versionNumber(text: string): number | null {
  return /^[1-9]\d{0,9}$/.test(text) && Number(text) <= 2_147_483_647 ? Number(text) : null;
}

/** Reading an audit event needs what reading the trail needs. */
const READ_AUDIT = READ_ACTION.AuditEvent;

/** A loader that finds nothing, without a statement: for a type the token's scopes do not cover. */
function nothing<T>(): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>((ids) => Promise.resolve(ids.map(() => null)));
}

export function createLoaders(db: Kysely<Database>, viewer: Viewer): Loaders {
  const locationPages = new Map<string, DataLoader<string, (LocationRow & { sort_key: string })[]>>();
  const beforeScopes: ScopedLoaders = {
    vaultConnection: new DataLoader((ids) =>
      rowsById(ids, (uuids) => vaultConnectionRepository.findVaultConnectionsOfMember(db, viewer.userId, uuids)),
    ),
    secret: new DataLoader((ids) => rowsById(ids, (uuids) => secretRepository.findSecretsOfMember(db, viewer.userId, uuids))),
    location: new DataLoader((ids) => rowsById(ids, (uuids) => locationRepository.findLocationsOfMember(db, viewer.userId, uuids))),
  };
  // The scope check is in memory, per type: a covered type shares the loader above (one statement per batch, as before).
  const readsLocations = scopesAllowReading(viewer.scopes, 'Location');
  const secret = scopesAllowReading(viewer.scopes, 'Secret') ? beforeScopes.secret : nothing<SecretRow>();
  return {
    beforeScopes,
    vaultConnection: scopesAllowReading(viewer.scopes, 'VaultConnection') ? beforeScopes.vaultConnection : nothing(),
    secret,
    location: readsLocations ? beforeScopes.location : nothing(),
    team: new DataLoader((ids) => rowsById(ids, (uuids) => teamRepository.findTeamsOfMember(db, viewer.userId, uuids))),
    user: new DataLoader((ids) => rowsById(ids, (uuids) => authRepository.findUsersVisibleTo(db, viewer.userId, uuids))),
    workspace: new DataLoader((ids) => rowsById(ids, (uuids) => workspaceRepository.findWorkspacesOfMember(db, viewer.userId, uuids))),
    apiToken: new DataLoader((ids) => rowsById(ids, (uuids) => authRepository.findApiTokensOfUser(db, viewer.userId, uuids))),
    auditEvent: scopesAllowReading(viewer.scopes, 'AuditEvent')
      ? new DataLoader((ids) =>
          rowsById(ids, async (uuids) =>
            (await auditRepository.findAuditEventsOfMember(db, viewer.userId, uuids)).filter((row) =>
              roleMayPerform(row.viewer_role, READ_AUDIT),
            ),
          ),
        )
      : nothing(),
    membership: new DataLoader((keys) =>
      rowsByCompositeId(
        keys,
        (teamId, userId) => (isUuid(teamId) && isUuid(userId) ? { teamId, userId } : null),
        (pairs) => teamRepository.findMembershipsOfMember(db, viewer.userId, pairs),
        (row) => compositeId(row.team_id, row.user_id),
      ),
    ),
    secretVersion: new DataLoader((keys) =>
      rowsByCompositeId(
        keys,
        (secretId, version) =>
          isUuid(secretId) && versionNumber(version) !== null ? { secretId, version: versionNumber(version)! } : null,
        // Only versions of secrets the viewer sees through `secret` (team, scopes, PRIVATE visibility) are looked up.
        async (pairs) => {
          const seen = await secret.loadMany(pairs.map((pair) => pair.secretId));
          return secretRepository.findSecretVersions(
            db,
            pairs.filter((_pair, index) => seen[index] && !(seen[index] instanceof Error)),
          );
        },
        (row) => compositeId(row.secret_id, row.version),
      ),
    ),
    lastVerification: new DataLoader(async (locationIds) =>
      byKey(locationIds, await verificationRepository.findLastOfLocations(db, locationIds), (row) => row.location_id),
    ),
    workspacesOfSecret: new DataLoader(async (secretIds) => {
      const bySecret = Map.groupBy(await workspaceRepository.findWorkspacesOfSecrets(db, secretIds), (row) => row.secret_id);
      return secretIds.map((id) => bySecret.get(id) ?? []);
    }),
    locationsOfSecret(page) {
      const key = JSON.stringify(page);
      let loader = locationPages.get(key);
      if (!loader) {
        loader = new DataLoader(async (secretIds) => {
          if (!readsLocations) return secretIds.map(() => []);
          const bySecret = Map.groupBy(await locationRepository.listLocationsOfSecrets(db, secretIds, page), (row) => row.secret_id);
          return secretIds.map((id) => bySecret.get(id) ?? []);
        });
        locationPages.set(key, loader);
      }
      return loader;
    },
  };
}

/** Builds the context of one authenticated request. */
export function createContext(
  { db, keyring, outbound, events }: Pick<Context, 'db' | 'keyring' | 'outbound' | 'events'>,
  viewer: Viewer,
  meta: RequestMeta,
): Context {
  return { db, keyring, outbound, events, viewer, meta, loaders: createLoaders(db, viewer), teamsWithNewEvents: new Set() };
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
export async function teamOfObject(
  ctx: Context,
  ref: { typename: string; id: string },
  operation: 'query' | 'mutation' | 'subscription',
): Promise<string | null> {
  let source = ctx.loaders;
  if (operation === 'mutation') {
    source = lookupLoaders.get(ctx) ?? createLoaders(ctx.db, ctx.viewer);
    lookupLoaders.set(ctx, source);
  }
  const loaders: Partial<Record<string, DataLoader<string, { team_id: string } | null>>> = {
    Secret: source.beforeScopes.secret,
    Location: source.beforeScopes.location,
    VaultConnection: source.beforeScopes.vaultConnection,
    Workspace: source.workspace,
  };
  return (await loaders[ref.typename]?.load(ref.id))?.team_id ?? null;
}
