import type { Context } from '../../graphql/context.ts';
import type { Db } from '../../database/database.ts';
import { NotFoundError } from '../../errors.ts';
import { versionedChange, versionedDelete, type NamedChangeInput } from '../shared/versioned-change.ts';
import { randomUUID } from 'node:crypto';
import { createOnce, type IdempotentInput } from '../idempotency/idempotency.service.ts';
import { DEFAULT_ORDER, cursorKey, sortValueKind, type ListOrder } from '../../database/keyset.ts';
import { parsePageArgs, toConnection, type KeysetPage, type PageArgs } from '../../graphql/pagination.ts';
import { recordObjectEvent } from '../audit/audit.service.ts';
import { authorize } from '../auth/auth.service.ts';
import * as secretRepository from '../secret/secret.repository.ts';
import * as secretPolicy from '../secret/secret.policy.ts';
import * as locationRepository from './location.repository.ts';
import type { LocationFilter, LocationRow } from './location.repository.ts';
import type { LocationType } from './location.rules.ts';
import { namedTeamObjectFields, type NamedTeamObject } from '../shared/versioned-object.ts';
import { loadMapped } from '../shared/load-mapped.ts';
import { newNamedTeamRow, type NamedTeamObjectInput } from '../shared/named-rows.ts';

export interface Location extends NamedTeamObject {
  secretId: string;
  locationType: LocationType;
  bucketName: string;
  region: string | null;
  endpointUrl: string | null;
}

const toLocation = (row: LocationRow): Location => ({
  ...namedTeamObjectFields(row),
  secretId: row.secret_id,
  locationType: row.location_type as LocationType,
  bucketName: row.bucket_name,
  region: row.region,
  endpointUrl: row.endpoint_url,
});

/**
 * SECRET_DELETED, SECRET_NOT_SHARED and LOCATION_TYPE_MISMATCH, under concurrency: the secret must
 * be in the team, not scheduled for deletion, shared, and of the location's type. The secret row stays share-locked until commit, so a
 * concurrent change of its type waits for this link (and this link waits for a type change in
 * progress) — never a mismatched pair.
 */
async function lockSecretToLink(trx: Db, teamId: string, secretId: string, locationType: LocationType): Promise<void> {
  const secret = await secretRepository.lockSecretForLink(trx, secretId);
  if (!secret || secret.team_id !== teamId) throw new NotFoundError('Secret not found in this team');
  secretPolicy.requireNotDeleted(secret, 'secretId');
  secretPolicy.requireSharedIfLinked({ visibility: secret.visibility, linked: true }, 'secretId');
  secretPolicy.requireLocationTypeMatch({ locationType, secretType: secret.secret_type }, 'secretId');
}

export interface CreateLocationInput extends NamedTeamObjectInput, IdempotentInput {
  locationType: LocationType;
  secretId: string;
  bucketName: string;
  region?: string | null | undefined;
  endpointUrl?: string | null | undefined;
}

export async function createLocation(ctx: Context, input: CreateLocationInput): Promise<Location> {
  await authorize(ctx, input.teamId, 'location:write');
  const id = randomUUID();
  const once = { operation: 'createLocation', key: input.idempotencyKey, input, resultId: id };
  return createOnce(ctx, once, locationRepository.lockLocation, toLocation, async (trx) => {
    await lockSecretToLink(trx, input.teamId, input.secretId, input.locationType);
    const row = await locationRepository.insertLocation(trx, {
      ...newNamedTeamRow(id, ctx.viewer.userId, input),
      secret_id: input.secretId,
      location_type: input.locationType,
      bucket_name: input.bucketName,
      region: input.region ?? null,
      endpoint_url: input.endpointUrl ?? null,
    });
    const changedFields = ['name', 'description', 'locationType', 'secretId', 'bucketName', 'region', 'endpointUrl'];
    await recordObjectEvent(trx, ctx, 'Location', 'location.created', row, changedFields);
    return toLocation(row);
  });
}

/** Authorises `location:write`, then runs `change` with the location locked and its version checked. */
const changeLocation = versionedChange<LocationRow>({
  what: 'location',
  visible: (ctx, id) => ctx.loaders.beforeScopes.location.load(id),
  authorize: 'location:write',
  lock: locationRepository.lockLocation,
});

export interface UpdateLocationInput extends NamedChangeInput {
  secretId?: string | null | undefined;
  bucketName?: string | null | undefined;
  region?: string | null | undefined;
  endpointUrl?: string | null | undefined;
}

/** Changes a location; `locationType` is immutable, relinking is held to LOCATION_TYPE_MISMATCH. */
export async function updateLocation(ctx: Context, input: UpdateLocationInput): Promise<Location> {
  return changeLocation(ctx, input.id, input.expectedVersion, async (trx, current) => {
    if (input.secretId && input.secretId !== current.secret_id) {
      await lockSecretToLink(trx, current.team_id, input.secretId, current.location_type as LocationType);
    }
    const changes = {
      name: input.name ?? undefined,
      description: input.description,
      secret_id: input.secretId ?? undefined,
      bucket_name: input.bucketName ?? undefined,
      region: input.region,
      endpoint_url: input.endpointUrl,
    };
    const apiNames = {
      name: 'name',
      description: 'description',
      secret_id: 'secretId',
      bucket_name: 'bucketName',
      region: 'region',
      endpoint_url: 'endpointUrl',
    } as const;
    const changed = (Object.keys(changes) as (keyof typeof changes)[]).filter(
      (column) => changes[column] !== undefined && changes[column] !== current[column],
    );
    const patch = Object.fromEntries(changed.map((column) => [column, changes[column]]));
    const row = await locationRepository.updateLocation(trx, current.id, { ...patch, updated_by: ctx.viewer.userId });
    await recordObjectEvent(
      trx,
      ctx,
      'Location',
      'location.updated',
      row,
      changed.map((column) => apiNames[column]),
    );
    return toLocation(row);
  });
}

export const deleteLocation = versionedDelete(changeLocation, 'Location', 'location.deleted', locationRepository.deleteLocation);

export async function loadLocation(ctx: Context, id: string): Promise<Location | null> {
  return loadMapped(ctx.loaders.location, id, toLocation);
}

export async function listTeamLocations(
  ctx: Context,
  teamId: string,
  args: PageArgs & { filter?: LocationFilter | null; orderBy?: ListOrder | null },
) {
  await authorize(ctx, teamId, 'location:read');
  const order = args.orderBy ?? DEFAULT_ORDER;
  const page = parsePageArgs(args, sortValueKind(order));
  const rows = await locationRepository.listLocations(ctx.db, teamId, args.filter ?? {}, order, page);
  return toConnection(rows, page, cursorKey, toLocation);
}

/** A page of the secret's locations by name; batched across all secrets of the request asking for the same page. */
export async function listLocationsOfSecret(ctx: Context, secretId: string, args: PageArgs) {
  const page: KeysetPage = parsePageArgs(args, 'text');
  const rows = await ctx.loaders.locationsOfSecret(page).load(secretId);
  return toConnection(rows, page, cursorKey, toLocation);
}
