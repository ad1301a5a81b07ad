import { randomUUID } from 'node:crypto';
import type { Context } from '../../graphql/context.ts';
import { timeLeftMs } from '../../graphql/deadline.ts';
import { ConflictError, ErrorCode, NotFoundError } from '../../errors.ts';
import { recordObjectEvent } from '../audit/audit.service.ts';
import { authorize } from '../auth/auth.service.ts';
import { scopesAllowReading } from '../auth/permissions.ts';
import * as locationRepository from '../location/location.repository.ts';
import type { LocationRow } from '../location/location.repository.ts';
import type { LocationType } from '../location/location.rules.ts';
import { versionCredentials } from '../secret/secret-payload.ts';
import * as secretPolicy from '../secret/secret.policy.ts';
import * as secretRepository from '../secret/secret.repository.ts';
import type { SecretRow } from '../secret/secret.repository.ts';
import * as teamRepository from '../team/team.repository.ts';
import { probeOpener, runChecks, VERIFICATION_BUDGET_MS, type VerificationMode } from './verification-checks.ts';
import * as verificationRepository from './verification.repository.ts';
import type { LocationVerificationRow } from './verification.repository.ts';
import type { StoredCheck } from './verification.tables.ts';
import { loadMapped } from '../shared/load-mapped.ts';

/** Verification runs (one verifyLocation or verifySecret each) a team may have at once, across every instance. */
export const MAX_RUNS_PER_TEAM = 2;
/** Locations one verifySecret verifies at a time. */
export const MAX_PARALLEL_LOCATIONS = 4;
/** Kept from the request's deadline for storing the results and answering (CLOAKROOM_REQUEST_TIMEOUT_MS is 10 s too by default). */
const ANSWER_MARGIN_MS = 1_500;
/** A RUNNING row older than this belongs to a process that died mid-run: it no longer holds a slot. */
const STALE_RUN_MS = 2 * VERIFICATION_BUDGET_MS;

export interface LocationVerification {
  id: string;
  teamId: string;
  locationId: string;
  secretId: string;
  secretVersion: number;
  mode: VerificationMode;
  status: 'PASSED' | 'FAILED';
  checks: StoredCheck[];
  startedAt: Date;
  durationMs: number;
  verifiedBy: string | null;
}

export const toLocationVerification = (row: LocationVerificationRow): LocationVerification => ({
  id: row.id,
  teamId: row.team_id,
  locationId: row.location_id,
  secretId: row.secret_id,
  secretVersion: row.secret_version,
  mode: row.mode,
  status: row.status === 'PASSED' ? 'PASSED' : 'FAILED',
  checks: row.checks,
  startedAt: row.started_at,
  durationMs: row.duration_ms ?? 0,
  verifiedBy: row.verified_by,
});

export interface VerifyInput {
  id: string;
  /** A version number of the secret; CURRENT when omitted. */
  version?: number | null | undefined;
  /** @default 'READ_WRITE' */
  mode?: VerificationMode | null | undefined;
}

/**
 * The version a verification opens: the one asked for, else CURRENT (`payload_version`, the column
 * that holds the CURRENT stage).
 */
function versionToVerify(secret: SecretRow, requested: number | null | undefined): number {
  const version = requested ?? secret.payload_version;
  if (version === null) throw new ConflictError('The secret has no stored credentials to verify with', ErrorCode.NOT_VERIFIABLE);
  return version;
}

/** NOT_VERIFIABLE: an EXTERNAL_VAULT secret's values live in its vault; cloakroom never fetches them. */
function requireVerifiable(secret: SecretRow): void {
  if (secret.storage !== 'NATIVE') {
    throw new ConflictError(
      'An EXTERNAL_VAULT secret’s values are read from its vault where they are used; cloakroom holds none to verify with',
      ErrorCode.NOT_VERIFIABLE,
    );
  }
}

/**
 * TOO_MANY_VERIFICATIONS: takes one of the team's MAX_RUNS_PER_TEAM slots by writing the run's rows
 * RUNNING, with the team row locked so that concurrent requests on any instance count each other.
 */
async function startRun(ctx: Context, secret: SecretRow, version: number, locations: LocationRow[], mode: VerificationMode) {
  const runId = randomUUID();
  const rows = locations.map((location) => ({
    id: randomUUID(),
    team_id: secret.team_id,
    location_id: location.id,
    secret_id: secret.id,
    secret_version: version,
    run_id: runId,
    mode,
    status: 'RUNNING' as const,
    checks: '[]',
    started_at: new Date(),
    verified_by: ctx.viewer.userId,
  }));
  await ctx.db.transaction().execute(async (trx) => {
    await teamRepository.lockTeam(trx, secret.team_id);
    if ((await verificationRepository.countRunningRuns(trx, secret.team_id, STALE_RUN_MS)) >= MAX_RUNS_PER_TEAM) {
      throw new ConflictError(
        `The team already runs ${MAX_RUNS_PER_TEAM} verifications; retry when one has finished`,
        ErrorCode.TOO_MANY_VERIFICATIONS,
      );
    }
    await verificationRepository.insertRunning(trx, rows);
  });
  return rows;
}

/** Runs `work` over `items`, at most `limit` at a time, answering in the items' order. */
async function inBatchesOf<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Verifies `locations` with the credentials of `version`: opens them once, takes a slot, runs the
 * checks of each location (MAX_PARALLEL_LOCATIONS at a time) and stores each result with its
 * `location.verified` audit event in one transaction.
 */
async function verifyLocations(
  ctx: Context,
  secret: SecretRow,
  requestedVersion: number | null | undefined,
  locations: LocationRow[],
  mode: VerificationMode,
): Promise<LocationVerification[]> {
  secretPolicy.requireNotDeleted(secret);
  requireVerifiable(secret);
  const version = versionToVerify(secret, requestedVersion);
  const [versionRow] = await secretRepository.findSecretVersions(ctx.db, [{ secretId: secret.id, version }]);
  if (!versionRow) throw new NotFoundError(`The secret has no version ${version}`);
  if (locations.length === 0) return [];
  const credentials = new Map(
    (await versionCredentials(ctx.db, ctx.keyring, secret, version)).map(({ name, value }) => [name, value] as const),
  );
  // The SDKs a first verification loads come out of the request's time, before the run starts and its deadline is set.
  await Promise.all(locations.map((location) => probeOpener(location.location_type as LocationType)));
  const rows = await startRun(ctx, secret, version, locations, mode);
  // One budget for the whole run, every location of it: 10 s, or less when the request's own
  // deadline comes sooner (the results must still be stored and answered before it).
  const runDeadline = performance.now() + Math.min(VERIFICATION_BUDGET_MS, (timeLeftMs(ctx) ?? Infinity) - ANSWER_MARGIN_MS);
  const verified = await inBatchesOf(locations, MAX_PARALLEL_LOCATIONS, async (location) => {
    const result = await runChecks(
      {
        locationType: location.location_type as LocationType,
        authMethod: secret.auth_method,
        credentials,
        bucketName: location.bucket_name,
        region: location.region,
        endpointUrl: location.endpoint_url,
        outbound: ctx.outbound,
      },
      mode,
      Math.max(0, Math.floor(runDeadline - performance.now())),
    );
    const { id } = rows.find((row) => row.location_id === location.id)!;
    return ctx.db.transaction().execute(async (trx) => {
      // A location deleted meanwhile took its row along (cascade): there is nothing left to report on it.
      const row = await verificationRepository.finish(trx, id, result);
      if (!row) return null;
      await recordObjectEvent(trx, ctx, 'Location', 'location.verified', location, ['lastVerification']);
      return toLocationVerification(row);
    });
  });
  return verified.filter((verification) => verification !== null);
}

/** verifyLocation (ADMIN/OWNER, LOCATIONS_WRITE): the location's bucket with its secret's credentials of `version`. */
export async function verifyLocation(ctx: Context, input: VerifyInput): Promise<LocationVerification> {
  const location = await ctx.loaders.beforeScopes.location.load(input.id);
  if (!location) throw new NotFoundError('No such location');
  await authorize(ctx, location.team_id, 'location:write');
  const secret = await secretRepository.findSecret(ctx.db, location.secret_id);
  if (!secret) throw new NotFoundError('No such location');
  const [verification] = await verifyLocations(ctx, secret, input.version, [location], input.mode ?? 'READ_WRITE');
  if (!verification) throw new NotFoundError('No such location');
  return verification;
}

/** verifySecret (ADMIN/OWNER, SECRETS_WRITE): every location linked to the secret. */
export async function verifySecret(
  ctx: Context,
  input: VerifyInput,
): Promise<{ verifications: LocationVerification[]; allPassed: boolean }> {
  const secret = await ctx.loaders.beforeScopes.secret.load(input.id);
  if (!secret) throw new NotFoundError('No such secret');
  await authorize(ctx, secret.team_id, 'secret:write');
  const locations = await locationRepository.findAllLocationsOfSecret(ctx.db, secret.id);
  const verifications = await verifyLocations(ctx, secret, input.version, locations, input.mode ?? 'READ_WRITE');
  return { verifications, allPassed: verifications.every((verification) => verification.status === 'PASSED') };
}

/** `Location.lastVerification`: its newest finished verification, of any version. */
export async function loadLastVerification(ctx: Context, locationId: string): Promise<LocationVerification | null> {
  return loadMapped(ctx.loaders.lastVerification, locationId, toLocationVerification);
}

/** `SecretVersion.verification`: how the locations linked to the secret now fared with this version. */
export interface VersionVerificationSummary {
  locationCount: number;
  verifiedCount: number;
  passedCount: number;
  /** Empty for a token whose scopes do not cover locations (the counts, like `Secret.locationCount`, stay). */
  verifications: LocationVerification[];
}

export async function summariseVersion(ctx: Context, secretId: string, version: number): Promise<VersionVerificationSummary> {
  const [locations, rows] = await Promise.all([
    locationRepository.findAllLocationsOfSecret(ctx.db, secretId),
    verificationRepository.findLastOfVersionPerLinkedLocation(ctx.db, secretId, version),
  ]);
  return {
    locationCount: locations.length,
    verifiedCount: rows.length,
    passedCount: rows.filter((row) => row.status === 'PASSED').length,
    verifications: scopesAllowReading(ctx.viewer.scopes, 'Location') ? rows.map(toLocationVerification) : [],
  };
}
