import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { OptionalFields } from '../shared/optional-fields.ts';
import { rethrowNameTaken } from '../../database/database-errors.ts';
import type { Db } from '../../database/database.ts';
import { anyOf } from '../../database/any.ts';
import { countRows } from '../../database/count.ts';
import type { Role } from '../team/team.tables.ts';
import type { SecretTable, SecretVersionTable } from './secret.tables.ts';
import type { SecretStatus } from './secret.policy.ts';
import { ConflictError, ErrorCode, NotFoundError } from '../../errors.ts';
import { nameKey } from '../shared/names.ts';
import { versionedNamedPatch, withNameKey } from '../shared/named-rows.ts';
import { containsPattern, paginate, paginateInOrder, type ListOrder } from '../../database/keyset.ts';
import type { KeysetPage } from '../../graphql/pagination.ts';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import { userFromJson, userVisibleTo } from '../auth/auth.repository.ts';
import { locationFromJson, locationsPageOfSecret } from '../location/location.repository.ts';
import { teamFromJson, type TeamJson, type TeamWithRoleRow } from '../team/team.repository.ts';

export type SecretRow = Selectable<SecretTable> & { location_count: number; next_rotation_at: Date | null; status: SecretStatus };
/** A version's metadata with what its secret says of it: its stages and who sees its previews. */
export type SecretVersionRow = Omit<Selectable<SecretVersionTable>, 'ciphertext' | 'iv' | 'auth_tag' | 'wrapped_data_key'> &
  Pick<Selectable<SecretTable>, 'storage' | 'visibility' | 'owner_id' | 'payload_version' | 'pending_version' | 'previous_version'>;

/**
 * When the rotation policy wants new credentials: the CURRENT version's time plus
 * `rotation_every_days` (a staged PENDING version does not restart the clock); null without a
 * policy. The version's primary key serves the lookup, which a secret without a policy (most of
 * them) skips: a list of 50 made 100 needless index probes before.
 */
export const nextRotationAt = sql<Date | null>`case when secrets.rotation_every_days is not null then (
  select secret_versions.created_at + make_interval(days => secrets.rotation_every_days)
  from secret_versions where secret_versions.secret_id = secrets.id and secret_versions.version = secrets.payload_version
) end`;

/**
 * `Secret.status`, the first that applies from the end of SecretStatus: SCHEDULED_FOR_DELETION while
 * `deleted_at` is set, else EXPIRED once `expires_at` has come, else ROTATION_DUE once the next
 * rotation has, else ACTIVE. Computed by the database
 * at read time (the transaction's now()), so lists filter on it and nothing updates it as time passes.
 */
const status = sql<SecretStatus>`case
  when secrets.deleted_at is not null then 'SCHEDULED_FOR_DELETION'
  when secrets.expires_at <= now() then 'EXPIRED'
  when ${nextRotationAt} <= now() then 'ROTATION_DUE'
  else 'ACTIVE' end`;

/** Nested fields a read folds into its own statement (one round trip), each answered as its loader would answer it. */
export interface NestedSelections {
  /** `creator`: the secret's creator as `findUsersVisibleTo` answers this viewer (null when hidden or none). */
  creatorVisibleTo?: string | undefined;
  /** `locations_page`: this page of the secret's locations, as `listLocationsOfSecrets` reads it. */
  locationsPage?: KeysetPage | undefined;
}

/**
 * The secret's columns with its number of linked locations, next rotation and status, computed in
 * the same statement, and the `nested` selections as JSON columns.
 */
function selectSecrets(db: Db, { creatorVisibleTo, locationsPage }: NestedSelections = {}) {
  return db
    .selectFrom('secrets')
    .selectAll('secrets')
    .select(sql<number>`(select count(*)::int from locations where locations.secret_id = secrets.id)`.as('location_count'))
    .select(nextRotationAt.as('next_rotation_at'))
    .select(status.as('status'))
    .$if(creatorVisibleTo !== undefined, (qb) =>
      qb.select((eb) => jsonObjectFrom(userVisibleTo(db, creatorVisibleTo!, eb.ref('secrets.created_by'))).as('creator')),
    )
    .$if(locationsPage !== undefined, (qb) =>
      qb.select((eb) => jsonArrayFrom(locationsPageOfSecret(db, eb.ref('secrets.id'), locationsPage!)).as('locations_page')),
    );
}

type NestedRow = Awaited<ReturnType<ReturnType<typeof selectSecrets>['execute']>>[number];

/** A secret read with nested selections, its JSON columns read (see `fromNested`). */
export type NestedSecretRow = ReturnType<typeof fromNested<NestedRow>>;

/** A row with its nested JSON columns read as `pg` reads rows (timestamps as Dates). */
function fromNested<Row extends Pick<NestedRow, 'creator' | 'locations_page'>>(row: Row) {
  return { ...row, creator: row.creator && userFromJson(row.creator), locations_page: row.locations_page?.map(locationFromJson) };
}

/** Roles that see that other members' PRIVATE secrets exist (never their keys). */
const ROLES_SEEING_PRIVATE_SECRETS: Role[] = ['OWNER', 'ADMIN'];

/**
 * Secrets among `ids` the user may see: TEAM secrets of their teams, their own PRIVATE ones,
 * and, for OWNER and ADMIN, the existence of the others' PRIVATE ones.
 */
export async function findSecretsOfMember(db: Db, userId: string, ids: readonly string[], nested: NestedSelections = {}) {
  if (!ids.length) return [];
  const rows = await selectSecrets(db, nested)
    .innerJoin('memberships', 'memberships.team_id', 'secrets.team_id')
    .where('memberships.user_id', '=', userId)
    .where('secrets.id', '=', anyOf(ids))
    .where((eb) =>
      eb.or([
        eb('secrets.visibility', '=', 'TEAM'),
        eb('secrets.owner_id', '=', userId),
        eb('memberships.role', 'in', ROLES_SEEING_PRIVATE_SECRETS),
      ]),
    )
    .execute();
  return rows.map(fromNested);
}

/** Who lists secrets: PRIVATE secrets of others are left out unless `role` may see them. */
export interface SecretReader {
  userId: string;
  role: Role;
}

function visibleTo<QB extends ReturnType<typeof selectSecrets>>(query: QB, reader: SecretReader): QB {
  if (ROLES_SEEING_PRIVATE_SECRETS.includes(reader.role)) return query;
  return query.where((eb) => eb.or([eb('secrets.visibility', '=', 'TEAM'), eb('secrets.owner_id', '=', reader.userId)])) as QB;
}

/**
 * The team's secret with this name (by `nameKey`) that the reader may see. A PRIVATE secret and
 * a TEAM one may share a name, and so may two members' PRIVATE secrets: the reader's own comes
 * first, then the TEAM one, then (OWNER and ADMIN only) the oldest of the others'.
 */
export async function findSecretByName(db: Db, teamId: string, name: string, reader: SecretReader): Promise<SecretRow | undefined> {
  const query = selectSecrets(db).where('secrets.team_id', '=', teamId).where('secrets.name_key', '=', nameKey(name));
  return visibleTo(query, reader)
    .orderBy(sql`case when secrets.owner_id = ${reader.userId} then 0 when secrets.visibility = 'TEAM' then 1 else 2 end`)
    .orderBy('secrets.created_at')
    .orderBy('secrets.id')
    .executeTakeFirst();
}

export async function findSecret(db: Db, id: string): Promise<SecretRow | undefined> {
  return selectSecrets(db).where('secrets.id', '=', id).executeTakeFirst();
}

/**
 * Locks the secret's row, then reads it: VERSION_MISMATCH and LOCATION_TYPE_MISMATCH hold under concurrency: every change on it is serialised. Two
 * statements on purpose: under READ COMMITTED a statement's snapshot predates its lock wait, so a
 * `location_count` computed by the locking statement itself misses a location that the link it
 * waited for has just committed (the delete then failed on the foreign key instead of SECRET_IN_USE).
 */
export async function lockSecret(db: Db, id: string): Promise<SecretRow | undefined> {
  const locked = await db.selectFrom('secrets').select('secrets.id').where('secrets.id', '=', id).forUpdate().executeTakeFirst();
  return locked && findSecret(db, id);
}

/** Reads the secret with a share lock: links to it may proceed together, a change of its type waits. */
export async function lockSecretForLink(db: Db, id: string): Promise<SecretRow | undefined> {
  return selectSecrets(db).where('secrets.id', '=', id).forShare().executeTakeFirst();
}

/** NAME_TAKEN, saying in which scope: the team's TEAM secrets, or the caller's own PRIVATE ones. */
function rethrowSecretNameTaken(error: unknown, name: string | undefined): never {
  if ((error as { constraint?: unknown }).constraint === 'secrets_owner_name_key') {
    throw new ConflictError(`You already have a PRIVATE secret named "${name}"`, ErrorCode.NAME_TAKEN);
  }
  return rethrowNameTaken(error, 'secret', name);
}

export async function insertSecret(db: Db, row: Omit<Insertable<SecretTable>, 'name_key'>): Promise<void> {
  try {
    await db.insertInto('secrets').values(withNameKey(row)).execute();
  } catch (error) {
    // The vault connection was deleted since the service read it (a concurrent deleteVaultConnection).
    if ((error as { constraint?: unknown }).constraint === 'secrets_vault_connection_id_fkey')
      throw new NotFoundError('Vault connection not found in this team');
    rethrowSecretNameTaken(error, row.name);
  }
}

export type SecretPatch = Omit<Updateable<SecretTable>, 'name_key'>;

/** Applies a change and bumps the version by one. */
export async function updateSecret(db: Db, id: string, patch: SecretPatch): Promise<void> {
  try {
    await db
      .updateTable('secrets')
      .set({
        ...versionedNamedPatch(patch),
        // New previews follow the current rule: nothing is left for remaskPreviews to do.
        ...(patch.credential_fields !== undefined && { previews_stale: false }),
      })
      .where('id', '=', id)
      .execute();
  } catch (error) {
    rethrowSecretNameTaken(error, patch.name);
  }
}

export async function deleteSecret(db: Db, id: string): Promise<void> {
  await db.deleteFrom('secrets').where('id', '=', id).execute();
}

/** A secret whose recovery window has ended, as the purge removes it. */
export type DueSecretRow = Pick<SecretRow, 'id' | 'team_id' | 'version'>;

/**
 * Locks up to `limit` secrets whose `purge_at` has come. SKIP LOCKED: a row another purger or a
 * change (restoreSecret) holds is left to them, never waited for, so purgers never collide. In
 * team order, so that purgers take the teams' audit-chain locks in one order (no deadlock).
 */
export async function lockDueForPurge(db: Db, limit: number): Promise<DueSecretRow[]> {
  return db
    .selectFrom('secrets')
    .select(['id', 'team_id', 'version'])
    .where('purge_at', '<=', sql<Date>`now()`)
    .orderBy('team_id')
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function insertSecretVersion(db: Db, row: Insertable<SecretVersionTable>): Promise<void> {
  await db.insertInto('secret_versions').values(row).execute();
}

/** The type of a linked location whose type is not `secretType`, if any (LOCATION_TYPE_MISMATCH on a type change). */
export async function findLocationTypeOtherThan(db: Db, secretId: string, secretType: string): Promise<string | null> {
  const row = await db
    .selectFrom('locations')
    .select('location_type')
    .where('secret_id', '=', secretId)
    .where('location_type', '<>', secretType)
    .limit(1)
    .executeTakeFirst();
  return row?.location_type ?? null;
}

export type SecretFilter = OptionalFields<{
  secretType: string;
  storage: string;
  search: string;
  serviceSlug: string;
  visibility: string;
  /** Only secrets available in this workspace (access ALL, or SOME including it). */
  workspaceId: string;
  status: SecretStatus;
  /** Only secrets whose `expires_at` is before this instant (expired ones included). */
  expiresBefore: Date;
  /** Only secrets whose next rotation is before this instant (overdue ones included). */
  rotationDueBefore: Date;
  /**
   * true: only secrets scheduled for deletion; otherwise they are left out, unless `status` asks
   * for SCHEDULED_FOR_DELETION.
   */
  deleted: boolean;
}>;

type SecretsQuery = ReturnType<typeof selectSecrets>;

function filtered(query: SecretsQuery, filter: SecretFilter): SecretsQuery {
  const deleted = filter.deleted ?? filter.status === 'SCHEDULED_FOR_DELETION';
  query = query.where('secrets.deleted_at', deleted ? 'is not' : 'is', null);
  if (filter.secretType) query = query.where('secrets.secret_type', '=', filter.secretType);
  if (filter.storage) query = query.where('secrets.storage', '=', filter.storage as SecretRow['storage']);
  if (filter.search) query = query.where(sql<boolean>`lower(secrets.name) like ${containsPattern(filter.search)}`);
  if (filter.serviceSlug) query = query.where('secrets.service_slug', '=', filter.serviceSlug);
  if (filter.visibility) query = query.where('secrets.visibility', '=', filter.visibility as 'TEAM' | 'PRIVATE');
  if (filter.status) query = query.where(status, '=', filter.status);
  if (filter.expiresBefore) query = query.where('secrets.expires_at', '<', filter.expiresBefore);
  if (filter.rotationDueBefore) query = query.where(nextRotationAt, '<', filter.rotationDueBefore);
  if (filter.workspaceId) {
    const workspaceId = filter.workspaceId;
    query = query.where((eb) =>
      eb.or([
        eb('secrets.workspace_access', '=', 'ALL'),
        eb.and([
          eb('secrets.workspace_access', '=', 'SOME'),
          eb.exists(
            eb
              .selectFrom('secret_workspaces')
              .select('secret_id')
              .whereRef('secret_workspaces.secret_id', '=', 'secrets.id')
              .where('secret_workspaces.workspace_id', '=', workspaceId),
          ),
        ]),
      ]),
    );
  }
  return query;
}

/** A page of a team's secrets the reader may see, filtered and keyset-ordered. */
export async function listSecrets(
  db: Db,
  teamId: string,
  reader: SecretReader,
  filter: SecretFilter,
  order: ListOrder,
  page: KeysetPage,
  nested: NestedSelections = {},
) {
  const query = filtered(visibleTo(selectSecrets(db, nested).where('secrets.team_id', '=', teamId), reader), filter);
  const rows = await paginateInOrder(query, 'secrets', order, page).execute();
  return rows.map(fromNested);
}

export type ListedSecretRow = Awaited<ReturnType<typeof listSecrets>>[number];

/**
 * The team (with the user's role, as `findTeamsOfMember` answers) and the page of its secrets that
 * `listSecrets` reads for that role, in one statement; undefined when the user is not a member.
 * The visibility rule is `visibleTo`'s, on the role the statement itself reads.
 */
export async function findTeamWithSecrets(
  db: Db,
  userId: string,
  teamId: string,
  filter: SecretFilter,
  order: ListOrder,
  page: KeysetPage,
  nested: NestedSelections,
): Promise<{ team: TeamWithRoleRow; secrets: ListedSecretRow[] } | undefined> {
  const visible = selectSecrets(db, nested)
    .where('secrets.team_id', '=', sql.ref<string>('teams.id'))
    .where((eb) =>
      eb.or([
        eb('secrets.visibility', '=', 'TEAM'),
        eb('secrets.owner_id', '=', userId),
        eb(sql.ref<Role>('memberships.role'), '=', anyOf(ROLES_SEEING_PRIVATE_SECRETS)),
      ]),
    );
  const rows = await db
    .selectFrom('teams')
    .innerJoin('memberships', 'memberships.team_id', 'teams.id')
    .where('memberships.user_id', '=', userId)
    .where('teams.id', '=', teamId)
    // A single team row: the lateral page comes out in its own order (a nested loop over one row).
    .leftJoinLateral(paginateInOrder(filtered(visible, filter), 'secrets', order, page).as('page'), (join) => join.onTrue())
    .selectAll('page')
    .select([sql<TeamJson>`to_json(teams)`.as('team'), 'memberships.role as viewer_role'])
    .execute();
  const first = rows[0];
  if (!first) return undefined;
  return {
    team: { ...teamFromJson(first.team), viewer_role: first.viewer_role },
    secrets: rows.filter((row) => row.id !== null).map((row) => fromNested(row as NestedRow & { sort_key: string | Date })),
  };
}

/** The sealed payload holding a secret's credentials at `version`. */
export async function findSecretPayload(db: Db, secretId: string, version: number) {
  return db
    .selectFrom('secret_versions')
    .select(['ciphertext', 'iv', 'auth_tag', 'wrapped_data_key', 'master_key_id'])
    .where('secret_id', '=', secretId)
    .where('version', '=', version)
    .executeTakeFirst();
}

/** A secret whose previews a migration replaced by the fixed mask, awaiting `remaskPreviews`. */
export type StalePreviewRow = Pick<SecretRow, 'id' | 'team_id' | 'payload_version' | 'credential_fields'>;

/**
 * Locks the next secrets (after `after`, in id order) whose previews are stale. FOR NO KEY UPDATE
 * SKIP LOCKED: a row a server transaction holds is left for a later pass, never waited for.
 */
export async function lockStalePreviews(db: Db, after: string | undefined, limit: number): Promise<StalePreviewRow[]> {
  let query = db.selectFrom('secrets').select(['id', 'team_id', 'payload_version', 'credential_fields']).where('previews_stale', '=', true);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit).forNoKeyUpdate().skipLocked().execute();
}

/**
 * Stores previews derived anew from the payload, on the secret and its CURRENT version (whose copy
 * migration 0013 took from the masked ones): not a change of the secret, so neither its version nor updated_at moves.
 */
export async function storeRemaskedPreviews(db: Db, row: Pick<StalePreviewRow, 'id' | 'payload_version'>, previews: string): Promise<void> {
  const updated = await db
    .updateTable('secrets')
    .set({ credential_fields: previews, previews_stale: false })
    .where('id', '=', row.id)
    .where('previews_stale', '=', true)
    .executeTakeFirst();
  if (!updated.numUpdatedRows || row.payload_version === null) return;
  await db
    .updateTable('secret_versions')
    .set({ credential_fields: previews })
    .where('secret_id', '=', row.id)
    .where('version', '=', row.payload_version)
    .execute();
}

/** How many secrets still have stale previews. */
export async function countStalePreviews(db: Db): Promise<number> {
  return countRows(db.selectFrom('secrets').where('previews_stale', '=', true));
}

/** Version rows without their sealed payload, with their secret's stage pointers and visibility. */
function selectVersions(db: Db) {
  return db
    .selectFrom('secret_versions')
    .innerJoin('secrets', 'secrets.id', 'secret_versions.secret_id')
    .select([
      'secret_versions.secret_id',
      'secret_versions.version',
      'secret_versions.reason',
      'secret_versions.master_key_id',
      'secret_versions.created_at',
      'secret_versions.created_by',
      'secret_versions.auth_method',
      'secret_versions.credential_fields',
      'secret_versions.restored_from',
      'secret_versions.destroyed_at',
      'secrets.storage',
      'secrets.visibility',
      'secrets.owner_id',
      'secrets.payload_version',
      'secrets.pending_version',
      'secrets.previous_version',
    ]);
}

/** The versions among `keys` (metadata only); whether the caller may see their secrets is the caller's to check first. */
export async function findSecretVersions(db: Db, keys: readonly { secretId: string; version: number }[]): Promise<SecretVersionRow[]> {
  if (!keys.length) return [];
  return (
    selectVersions(db)
      // Two array parameters, unnested into pairs: one SQL text whatever the number of keys (see anyOf).
      .where(
        sql<boolean>`(secret_versions.secret_id, secret_versions.version) in (select * from unnest(${keys.map((key) => key.secretId)}::uuid[], ${keys.map((key) => key.version)}::int[]))`,
      )
      .execute()
  );
}

/** A page of a secret's versions, newest first (metadata only: the payload stays in the database). */
export async function listSecretVersions(db: Db, secretId: string, page: KeysetPage): Promise<SecretVersionRow[]> {
  const query = selectVersions(db).where('secret_versions.secret_id', '=', secretId);
  // The version number is unique within the secret: the cursor's id (the secret's) is not compared.
  return paginate(query, { key: sql.ref('secret_versions.version'), tiebreak: null, direction: 'DESC' }, page).execute();
}

/** One version of a secret (metadata only), for a stage move inside the transaction that locked the secret. */
export async function findSecretVersion(db: Db, secretId: string, version: number): Promise<SecretVersionRow | undefined> {
  return selectVersions(db)
    .where('secret_versions.secret_id', '=', secretId)
    .where('secret_versions.version', '=', version)
    .executeTakeFirst();
}

/** Erases a version's sealed payload for good; its metadata (previews included) stays. */
export async function destroySecretVersionPayload(db: Db, secretId: string, version: number): Promise<void> {
  await db
    .updateTable('secret_versions')
    .set({ ciphertext: null, iv: null, auth_tag: null, wrapped_data_key: null, master_key_id: null, destroyed_at: new Date() })
    .where('secret_id', '=', secretId)
    .where('version', '=', version)
    .execute();
}
