/**
 * Secrets' use cases: authorisation, transactions, repository calls and audit events. Every rule
 * check is in secret.policy.ts (named by its error code), every encryption and decryption of
 * credentials in secret-payload.ts; this file decides only when each is called.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from '../../graphql/context.ts';
import type { FieldMapping } from './secret.tables.ts';
import type { Db } from '../../database/database.ts';
import type { SealedColumns } from '../crypto/crypto.tables.ts';
import { ForbiddenError, NotFoundError } from '../../errors.ts';
import { versionedChange, type NamedChangeInput, type VersionedChangeInput } from '../shared/versioned-change.ts';
import { isUuid } from '../../graphql/global-id.ts';
import { DEFAULT_ORDER, cursorKey, sortValueKind, type ListOrder } from '../../database/keyset.ts';
import { parsePageArgs, toConnection, type PageArgs } from '../../graphql/pagination.ts';
import { OPERATOR, recordObjectEvent } from '../audit/audit.service.ts';
import { authorize } from '../auth/auth.service.ts';
import { scopesAllow, scopesAllowReading } from '../auth/permissions.ts';
import { isTeamMember, loadTeam, type Team } from '../team/team.service.ts';
import type { MasterKeyring, PayloadBinding } from '../crypto/envelope.ts';
import * as workspaceRepository from '../workspace/workspace.repository.ts';
import { hasKeyOperations, type EnvPair, type KeyOperations } from './env-key-operations.ts';
import { isReservedEnvKey } from './reserved-env-keys.ts';
import { createOnce, type IdempotentInput } from '../idempotency/idempotency.service.ts';
import {
  currentCredentials,
  holdsCredentials,
  previewsOf,
  sealWithPreviews,
  versionCredentials,
  withEnvVars,
  type SealedCredentials,
} from './secret-payload.ts';
import * as secretPolicy from './secret.policy.ts';
import { DEFAULT_RECOVERY_WINDOW_DAYS } from './secret.rules.ts';
import type { SecretVersionStage, Storage, Visibility } from './secret.policy.ts';
import type { FieldMappingInput, VaultType } from './field-mapping-references.ts';
import { credentialFieldsFor, defaultAuthMethod, type AuthMethod, type CredentialsInput, type SecretType } from './provider-catalogue.ts';
import * as secretRepository from './secret.repository.ts';
import * as verificationRepository from '../verification/verification.repository.ts';
import type { SecretFilter, SecretPatch, SecretRow, SecretVersionRow } from './secret.repository.ts';
import { namedTeamObjectFields, type NamedTeamObject } from '../shared/versioned-object.ts';
import { loadMapped } from '../shared/load-mapped.ts';
import { newNamedTeamRow } from '../shared/named-rows.ts';

export type WorkspaceAccess = 'ALL' | 'SOME' | 'NONE';

export interface CredentialFieldView {
  name: string;
  envVar: string;
  /** Null for EXTERNAL_VAULT secrets: nothing is stored here to preview. */
  maskedValue: string | null;
}

export interface Secret extends NamedTeamObject {
  secretType: SecretType;
  authMethod: AuthMethod;
  storage: Storage;
  vaultConnectionId: string | null;
  fieldMappings: FieldMapping[] | null;
  credentialFields: CredentialFieldView[];
  visibility: Visibility;
  /** The user a PRIVATE secret belongs to. */
  ownerId: string | null;
  serviceSlug: string | null;
  workspaceAccess: WorkspaceAccess;
  /** The version holding each stage (DESIGN §6.1); CURRENT always has one. */
  currentVersion: number;
  pendingVersion: number | null;
  previousVersion: number | null;
  lastRotatedAt: Date | null;
  expiresAt: Date | null;
  rotationPolicy: RotationPolicy | null;
  nextRotationAt: Date | null;
  status: secretPolicy.SecretStatus;
  /** When `deleteSecret` scheduled it for deletion; null = not scheduled. */
  deletedAt: Date | null;
  /** When the purge removes it, unless `restoreSecret` comes first. */
  purgeAt: Date | null;
  locationCount: number;
}

/** Rotate the credentials this many days after the current version was stored (1–3650). */
export interface RotationPolicy {
  everyDays: number;
}

export interface SecretVersion {
  secretId: string;
  version: number;
  reason: SecretVersionRow['reason'];
  stages: SecretVersionStage[];
  /** This version's own previews; null when stored before migration 0013 kept them per version (and not CURRENT then). */
  credentialFields: CredentialFieldView[] | null;
  restoredFrom: number | null;
  destroyedAt: Date | null;
  /** Its secret's, for `viewerSeesKeys`. */
  visibility: Visibility;
  ownerId: string | null;
  createdAt: Date;
  createdBy: string | null;
}

/** The fields of an EXTERNAL_VAULT secret's method: nothing is stored here to preview. */
function vaultFields(method: AuthMethod): CredentialFieldView[] {
  return credentialFieldsFor(method).map((field) => ({ name: field.name, envVar: field.envVar, maskedValue: null }));
}

function toSecret(row: SecretRow): Secret {
  const authMethod = row.auth_method as AuthMethod;
  return {
    ...namedTeamObjectFields(row),
    secretType: row.secret_type as SecretType,
    authMethod,
    storage: row.storage,
    vaultConnectionId: row.vault_connection_id,
    fieldMappings: row.field_mappings,
    credentialFields: row.storage === 'NATIVE' ? row.credential_fields : vaultFields(authMethod),
    visibility: row.visibility,
    ownerId: row.owner_id,
    serviceSlug: row.service_slug,
    workspaceAccess: row.workspace_access,
    // A secret has a CURRENT version from its creation on; `version` only stands in for rows written around the service.
    currentVersion: row.payload_version ?? row.version,
    pendingVersion: row.pending_version,
    previousVersion: row.previous_version,
    lastRotatedAt: row.last_rotated_at,
    expiresAt: row.expires_at,
    rotationPolicy: row.rotation_every_days === null ? null : { everyDays: row.rotation_every_days },
    nextRotationAt: row.next_rotation_at,
    status: row.status,
    deletedAt: row.deleted_at,
    purgeAt: row.purge_at,
    locationCount: row.location_count,
  };
}

function toSecretVersion(row: SecretVersionRow): SecretVersion {
  const stages: SecretVersionStage[] = [];
  if (row.payload_version === row.version) stages.push('CURRENT');
  if (row.pending_version === row.version) stages.push('PENDING');
  if (row.previous_version === row.version) stages.push('PREVIOUS');
  return {
    secretId: row.secret_id,
    version: row.version,
    reason: row.reason,
    stages,
    credentialFields: row.storage === 'NATIVE' ? row.credential_fields : vaultFields(row.auth_method as AuthMethod),
    restoredFrom: row.restored_from,
    destroyedAt: row.destroyed_at,
    visibility: row.visibility,
    ownerId: row.owner_id,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/**
 * The stage columns once `version` is CURRENT: the old CURRENT becomes PREVIOUS (unless its row
 * was lost, PAYLOAD_MISSING's case: PREVIOUS then names none); PENDING stays unless it is
 * `version` or `clearPending` (a promotion always clears it).
 */
async function currentMovedTo(trx: Db, current: SecretRow, version: number, clearPending = false): Promise<SecretPatch> {
  const previous =
    current.payload_version === null ? undefined : await secretRepository.findSecretVersion(trx, current.id, current.payload_version);
  return {
    payload_version: version,
    previous_version: previous?.version ?? null,
    pending_version: clearPending || current.pending_version === version ? null : current.pending_version,
  };
}

/** INVALID_CREDENTIALS, RESERVED_ENV_KEY, then sealed for the version `binding` names. */
function prepareCredentials(
  ctx: Context,
  method: AuthMethod,
  credentials: CredentialsInput,
  binding: PayloadBinding,
  toInputPath?: (path: string[]) => string[],
): SealedCredentials {
  return sealWithPreviews(ctx.keyring, secretPolicy.requireValidCredentials(method, credentials, toInputPath), binding);
}

/** Whether the viewer may see the keys and previews of a secret (another member's PRIVATE secret: no). */
export function viewerSeesKeys(ctx: Context, secret: Pick<Secret, 'visibility' | 'ownerId'>): boolean {
  return secret.visibility === 'TEAM' || secret.ownerId === ctx.viewer.userId;
}

/**
 * Who may change a secret: TEAM secrets need `secret:write` (ADMIN); PRIVATE ones belong to
 * their owner alone, who needs `secret:write-own-private` (OPERATOR) for ENV secrets and
 * `secret:write` for the others.
 */
async function authorizeSecretWrite(
  ctx: Context,
  teamId: string,
  secret: { visibility: Visibility; ownerId: string | null; secretType: SecretType },
): Promise<void> {
  if (secret.visibility === 'TEAM') {
    await authorize(ctx, teamId, 'secret:write');
    return;
  }
  await authorize(ctx, teamId, secret.secretType === 'ENV' ? 'secret:write-own-private' : 'secret:write');
  if (secret.ownerId !== null && secret.ownerId !== ctx.viewer.userId)
    throw new ForbiddenError('Only its owner can change a PRIVATE secret');
}

/** The workspaces a secret with this `workspaceAccess` is allowed in (WORKSPACES_REQUIRED, UNKNOWN_WORKSPACE); null ids name no workspace. */
async function checkWorkspaces(
  ctx: Context,
  teamId: string,
  access: WorkspaceAccess,
  allowed: readonly (string | null)[] | null | undefined,
): Promise<string[]> {
  if (access !== 'SOME') return [];
  const ids = secretPolicy.requireWorkspaceList(allowed);
  const known = await workspaceRepository.findTeamWorkspaceIds(
    ctx.db,
    teamId,
    ids.filter((id) => id !== null),
  );
  return secretPolicy.requireTeamWorkspaces(ids, known);
}

/** Expiry and rotation policy, alike on create and update: null clears (update), undefined leaves as is. */
export interface LifecycleInput {
  /** Must be in the future when set or changed (VALIDATION_FAILED). */
  expiresAt?: Date | null | undefined;
  rotationPolicy?: RotationPolicy | null | undefined;
}

export interface CreateSecretInput extends secretPolicy.PresetInput, LifecycleInput, IdempotentInput {
  teamId: string;
  description?: string | null | undefined;
  authMethod?: AuthMethod | null | undefined;
  fieldMappings?: readonly FieldMappingInput[] | null | undefined;
  /** false: a PRIVATE secret of the viewer. @default true */
  shared?: boolean | null | undefined;
  workspaceAccess?: WorkspaceAccess | null | undefined;
  /** Workspace row ids; null for an id that names no workspace (UNKNOWN_WORKSPACE at its index). */
  allowedWorkspaces?: readonly (string | null)[] | null | undefined;
}

export async function createSecret(ctx: Context, rawInput: CreateSecretInput): Promise<Secret> {
  const input = secretPolicy.requireNameAndType(secretPolicy.expandPreset(rawInput));
  const secretType = input.secretType;
  const visibility: Visibility = input.shared === false ? 'PRIVATE' : 'TEAM';
  await authorizeSecretWrite(ctx, input.teamId, { visibility, ownerId: null, secretType });
  const storage: Storage = input.vaultConnectionId ? 'EXTERNAL_VAULT' : 'NATIVE';
  secretPolicy.requireCredentialSource(storage, input);
  const authMethod = secretPolicy.requireAuthMethodOfType(secretType, input.authMethod ?? defaultAuthMethod(secretType), false);
  const workspaceAccess = input.workspaceAccess ?? 'ALL';
  const workspaceIds = await checkWorkspaces(ctx, input.teamId, workspaceAccess, input.allowedWorkspaces);
  if (input.expiresAt) secretPolicy.requireFutureExpiry(input.expiresAt, new Date());
  const id = randomUUID();

  let stored: {
    credential_fields: string;
    payload_version: number | null;
    field_mappings: string | null;
    vault_connection_id: string | null;
  };
  let sealed: SealedColumns | null = null;
  let versionPreviews: string | null = null;
  if (storage === 'NATIVE') {
    const credentials = secretPolicy.requireCredentials(input.credentials);
    const prepared = prepareCredentials(ctx, authMethod, credentials, { teamId: input.teamId, secretId: id, version: 1 });
    sealed = prepared.sealed;
    stored = { credential_fields: JSON.stringify(prepared.previews), payload_version: 1, field_mappings: null, vault_connection_id: null };
    versionPreviews = stored.credential_fields;
  } else {
    const connection = await ctx.loaders.vaultConnection.load(input.vaultConnectionId!);
    if (!connection || connection.team_id !== input.teamId) throw new NotFoundError('Vault connection not found in this team');
    secretPolicy.requireVaultableType(storage, secretType, 'vaultConnectionId');
    const mappings = secretPolicy.requireValidFieldMappings(
      authMethod,
      connection.vault_type as VaultType,
      secretPolicy.requireFieldMappings(input.fieldMappings),
    );
    stored = {
      credential_fields: '[]',
      payload_version: 1,
      field_mappings: JSON.stringify(mappings),
      vault_connection_id: connection.id,
    };
  }

  const once = { operation: 'createSecret', key: rawInput.idempotencyKey, input: rawInput, resultId: id };
  return createOnce(ctx, once, secretRepository.findSecret, toSecret, async (trx) => {
    await secretRepository.insertSecret(trx, {
      ...newNamedTeamRow(id, ctx.viewer.userId, input),
      secret_type: secretType,
      auth_method: authMethod,
      storage,
      ...stored,
      visibility,
      owner_id: visibility === 'PRIVATE' ? ctx.viewer.userId : null,
      service_slug: input.serviceSlug ?? null,
      workspace_access: workspaceAccess,
      expires_at: input.expiresAt ?? null,
      rotation_every_days: input.rotationPolicy?.everyDays ?? null,
    });
    await workspaceRepository.setSecretWorkspaces(trx, id, workspaceIds);
    await secretRepository.insertSecretVersion(trx, {
      secret_id: id,
      version: 1,
      reason: 'CREATE',
      auth_method: authMethod,
      credential_fields: versionPreviews,
      ...sealed,
      created_by: ctx.viewer.userId,
    });
    const changedFields = [
      'name',
      'description',
      'secretType',
      'authMethod',
      storage === 'NATIVE' ? 'credentials' : 'fieldMappings',
      'visibility',
      'serviceSlug',
      'workspaceAccess',
      ...(input.expiresAt ? ['expiresAt'] : []),
      ...(input.rotationPolicy ? ['rotationPolicy'] : []),
    ];
    const created = (await secretRepository.findSecret(trx, id))!;
    await recordObjectEvent(trx, ctx, 'Secret', 'secret.created', { ...created, version: 1 }, changedFields);
    return toSecret(created);
  });
}

/**
 * Authorises a change of a secret the viewer can see, then runs `change` with the secret locked and
 * its version checked (VERSION_MISMATCH; the lock keeps LOCATION_TYPE_MISMATCH under concurrency),
 * whether or not the secret is scheduled for deletion: `restoreSecret` alone uses it directly.
 */
const changeSecretEvenIfDeleted = versionedChange<SecretRow>({
  what: 'secret',
  visible: (ctx, id) => ctx.loaders.beforeScopes.secret.load(id),
  authorize: (ctx, visible) => authorizeSecretWrite(ctx, visible.team_id, toSecret(visible)),
  lock: secretRepository.lockSecret,
});

/** Every change of a secret but `restoreSecret`: `changeSecretEvenIfDeleted`, refused on a secret scheduled for deletion (SECRET_DELETED). */
const changeSecret: typeof changeSecretEvenIfDeleted = (ctx, id, expectedVersion, change, authorizeChange) =>
  changeSecretEvenIfDeleted(
    ctx,
    id,
    expectedVersion,
    (trx, current) => {
      secretPolicy.requireNotDeleted(current);
      return change(trx, current);
    },
    authorizeChange,
  );

export interface UpdateSecretInput extends KeyOperations, LifecycleInput, NamedChangeInput {
  secretType?: SecretType | null | undefined;
  authMethod?: AuthMethod | null | undefined;
  credentials?: CredentialsInput | null | undefined;
  fieldMappings?: readonly FieldMappingInput[] | null | undefined;
  /** ENV secrets: replaces every key and value. */
  values?: readonly EnvPair[] | null | undefined;
  shared?: boolean | null | undefined;
  serviceSlug?: string | null | undefined;
  workspaceAccess?: WorkspaceAccess | null | undefined;
  /** Workspace row ids; null for an id that names no workspace (UNKNOWN_WORKSPACE at its index). */
  allowedWorkspaces?: readonly (string | null)[] | null | undefined;
}

/** ENV key edits: the current pairs (decrypted here, never returned) with the operations applied. */
async function editEnvPairs(ctx: Context, trx: Db, current: SecretRow, ops: KeyOperations): Promise<EnvPair[]> {
  secretPolicy.refuseReservedKeyEdits(ops);
  const pairs = (await currentCredentials(trx, ctx.keyring, current)).map(({ name, value }) => ({ key: name, value }));
  return secretPolicy.requireApplicableKeyOperations(pairs, ops);
}

/** Applies secret.policy.ts' rules, key edits and sharing changes, all under the secret's row lock. */
export async function updateSecret(ctx: Context, input: UpdateSecretInput): Promise<Secret> {
  const visible = await ctx.loaders.beforeScopes.secret.load(input.id);
  // The vault connection never changes, so it is read before the transaction.
  const connection = visible?.vault_connection_id ? await ctx.loaders.beforeScopes.vaultConnection.load(visible.vault_connection_id) : null;
  // The right to change the secret at all comes before any check of what the change says.
  if (visible) await authorizeSecretWrite(ctx, visible.team_id, toSecret(visible));
  if (visible && input.shared != null && (input.shared ? 'TEAM' : 'PRIVATE') !== visible.visibility) {
    // Sharing a PRIVATE secret with the team, or taking a TEAM secret private, needs the TEAM write right too.
    await authorize(ctx, visible.team_id, 'secret:write');
  }
  // The right to write a PRIVATE secret depends on its type: an OPERATOR's ENV secret must not become a storage one.
  if (visible && input.secretType) await authorizeSecretWrite(ctx, visible.team_id, { ...toSecret(visible), secretType: input.secretType });
  const workspaceIds =
    visible && input.workspaceAccess ? await checkWorkspaces(ctx, visible.team_id, input.workspaceAccess, input.allowedWorkspaces) : null;
  return changeSecret(ctx, input.id, input.expectedVersion, async (trx, current) => {
    secretPolicy.requireCredentialSource(current.storage, input);
    const secretType = input.secretType ?? (current.secret_type as SecretType);
    const typeChanged = secretType !== current.secret_type;
    const authMethod = secretPolicy.requireAuthMethodOfType(
      secretType,
      input.authMethod ?? (current.auth_method as AuthMethod),
      typeChanged && !input.authMethod,
    );
    const methodChanged = authMethod !== current.auth_method;
    const keyEdits = hasKeyOperations(input);
    // Errors about the key operations point at the first one the input gives.
    const keyOpsField = input.renameKeys != null ? 'renameKeys' : input.removeKeys != null ? 'removeKeys' : 'addValues';
    const version = current.version + 1;

    if (typeChanged) {
      const mismatched = await secretRepository.findLocationTypeOtherThan(trx, current.id, secretType);
      if (mismatched) secretPolicy.requireLocationTypeMatch({ locationType: mismatched, secretType }, 'secretType');
      secretPolicy.requireVaultableType(current.storage, secretType, 'secretType');
    }
    secretPolicy.requireEnvEditsAlone(
      { secretType, storage: current.storage },
      { values: input.values != null, keyEdits, keyOpsField, credentials: input.credentials != null, typeChanged, methodChanged },
    );

    const patch: SecretPatch = { updated_by: ctx.viewer.userId };
    const changedFields: string[] = [];
    const change = <K extends keyof SecretPatch>(field: string, column: K, value: SecretPatch[K]) => {
      patch[column] = value;
      changedFields.push(field);
    };
    if (input.name != null && input.name !== current.name) change('name', 'name', input.name);
    if (input.description !== undefined && input.description !== current.description)
      change('description', 'description', input.description);
    if (input.serviceSlug !== undefined && input.serviceSlug !== current.service_slug)
      change('serviceSlug', 'service_slug', input.serviceSlug);
    if (input.expiresAt !== undefined && input.expiresAt?.getTime() !== current.expires_at?.getTime()) {
      if (input.expiresAt) secretPolicy.requireFutureExpiry(input.expiresAt, new Date());
      change('expiresAt', 'expires_at', input.expiresAt);
    }
    if (input.rotationPolicy !== undefined && (input.rotationPolicy?.everyDays ?? null) !== current.rotation_every_days)
      change('rotationPolicy', 'rotation_every_days', input.rotationPolicy?.everyDays ?? null);
    if (typeChanged) change('secretType', 'secret_type', secretType);
    if (methodChanged) change('authMethod', 'auth_method', authMethod);
    if (input.shared != null) {
      const visibility: Visibility = input.shared ? 'TEAM' : 'PRIVATE';
      if (visibility !== current.visibility) {
        secretPolicy.requireSharedIfLinked({ visibility, linked: current.location_count > 0 }, 'shared');
        change('visibility', 'visibility', visibility);
        patch.owner_id = visibility === 'PRIVATE' ? ctx.viewer.userId : null;
      }
    }
    if (workspaceIds && input.workspaceAccess) {
      const allowed = new Set((await workspaceRepository.findWorkspacesOfSecrets(trx, [current.id])).map((workspace) => workspace.id));
      if (
        input.workspaceAccess !== current.workspace_access ||
        workspaceIds.length !== allowed.size ||
        workspaceIds.some((id) => !allowed.has(id))
      ) {
        change('workspaceAccess', 'workspace_access', input.workspaceAccess);
        await workspaceRepository.setSecretWorkspaces(trx, current.id, workspaceIds);
      }
    }

    let prepared: SealedCredentials | null = null;
    const binding = { teamId: current.team_id, secretId: current.id, version };
    if (current.storage === 'NATIVE') {
      if (methodChanged) secretPolicy.requireCredentials(input.credentials, authMethod);
      if (input.credentials) prepared = prepareCredentials(ctx, authMethod, input.credentials, binding);
      // `values` is the envVars list itself: ['envVars', '0', 'key'] is ['input', 'values', '0', 'key'].
      else if (input.values)
        prepared = prepareCredentials(ctx, 'ENV_VARS', { envVars: input.values }, binding, ([, ...rest]) => ['input', 'values', ...rest]);
      else if (keyEdits) prepared = prepareCredentials(ctx, 'ENV_VARS', { envVars: await editEnvPairs(ctx, trx, current, input) }, binding);
      // The values already stored, under the same method: not a change (validated all the same, above).
      if (prepared && !methodChanged && (await holdsCredentials(trx, ctx.keyring, current, prepared.values))) prepared = null;
      if (prepared) change('credentials', 'credential_fields', JSON.stringify(prepared.previews));
    } else {
      if (methodChanged) secretPolicy.requireFieldMappings(input.fieldMappings, authMethod);
      if (input.fieldMappings) {
        const mappings = secretPolicy.requireValidFieldMappings(authMethod, connection!.vault_type as VaultType, input.fieldMappings);
        const stored = current.field_mappings ?? [];
        const same =
          !methodChanged &&
          stored.length === mappings.length &&
          mappings.every((m, index) => m.fieldName === stored[index]!.fieldName && m.reference === stored[index]!.reference);
        if (!same) change('fieldMappings', 'field_mappings', JSON.stringify(mappings));
      }
    }

    // Nothing differs from what is stored: the secret as it is, with no new version and no audit
    // event for a change that did not happen (VERSION_MISMATCH's `version` counts changes).
    if (!changedFields.length) return toSecret(current);
    // New credentials or mappings are a new version, CURRENT at once.
    const newVersion = changedFields.includes('credentials') || changedFields.includes('fieldMappings');
    if (newVersion) Object.assign(patch, await currentMovedTo(trx, current, version));
    await secretRepository.updateSecret(trx, current.id, patch);
    if (newVersion) {
      await secretRepository.insertSecretVersion(trx, {
        secret_id: current.id,
        version,
        reason: 'UPDATE',
        auth_method: authMethod,
        credential_fields: prepared ? JSON.stringify(prepared.previews) : null,
        ...prepared?.sealed,
        created_by: ctx.viewer.userId,
      });
    }
    await recordObjectEvent(trx, ctx, 'Secret', 'secret.updated', { ...current, version }, changedFields);
    return toSecret((await secretRepository.findSecret(trx, current.id))!);
  });
}

export interface RotateSecretInput extends VersionedChangeInput {
  credentials: CredentialsInput;
  /** CURRENT: live at once (the old CURRENT becomes PREVIOUS); PENDING: staged only; PREVIOUS is refused. @default 'CURRENT' */
  stage?: SecretVersionStage | null | undefined;
}

/**
 * New credentials for a NATIVE secret under the same auth method: a new version, CURRENT
 * (`lastRotatedAt` set, the old CURRENT becomes PREVIOUS) or only PENDING (ROTATION_IN_PROGRESS
 * while another is).
 */
export async function rotateSecret(ctx: Context, input: RotateSecretInput): Promise<Secret> {
  return changeSecret(ctx, input.id, input.expectedVersion, async (trx, current) => {
    secretPolicy.requireRotatableHere(current.storage);
    const staged = secretPolicy.requireRotationStage(input.stage) === 'PENDING';
    if (staged) secretPolicy.requireNoRotationInProgress(current);
    const version = current.version + 1;
    const prepared = prepareCredentials(ctx, current.auth_method as AuthMethod, input.credentials, {
      teamId: current.team_id,
      secretId: current.id,
      version,
    });
    const previews = JSON.stringify(prepared.previews);
    await secretRepository.updateSecret(
      trx,
      current.id,
      staged
        ? { pending_version: version, updated_by: ctx.viewer.userId }
        : {
            credential_fields: previews,
            ...(await currentMovedTo(trx, current, version)),
            last_rotated_at: new Date(),
            updated_by: ctx.viewer.userId,
          },
    );
    await secretRepository.insertSecretVersion(trx, {
      secret_id: current.id,
      version,
      reason: 'ROTATE',
      auth_method: current.auth_method,
      credential_fields: previews,
      ...prepared.sealed,
      created_by: ctx.viewer.userId,
    });
    await recordObjectEvent(trx, ctx, 'Secret', 'secret.rotated', { ...current, version }, staged ? ['pendingVersion'] : ['credentials']);
    return toSecret((await secretRepository.findSecret(trx, current.id))!);
  });
}

/** The stage columns a move changed, by their GraphQL names, for the audit event. */
function movedStages(current: SecretRow, patch: SecretPatch): string[] {
  const fields = [
    ['currentVersion', 'payload_version'],
    ['pendingVersion', 'pending_version'],
    ['previousVersion', 'previous_version'],
  ] as const;
  return fields.filter(([, column]) => patch[column] !== undefined && patch[column] !== current[column]).map(([field]) => field);
}

/** A version of the locked secret, by number; NOT_FOUND for one it does not have. */
async function lockedVersion(trx: Db, current: SecretRow, version: number) {
  return secretPolicy.requireVersion(await secretRepository.findSecretVersion(trx, current.id, version), version);
}

/** A change to one of a secret's versions: the secret's id and expected version, and the version's number. */
export interface SecretVersionChangeInput extends VersionedChangeInput {
  version: number;
}

/**
 * Makes `version` (normally the PENDING one) CURRENT: the old CURRENT becomes PREVIOUS, PENDING is
 * cleared. The rules are requirePromotable's; `force` (ADMIN/OWNER) is recorded in the audit event.
 */
export async function promoteSecretVersion(
  ctx: Context,
  input: SecretVersionChangeInput & { force?: boolean | null | undefined },
): Promise<Secret> {
  const force = input.force === true;
  const authorizePromote = async (ctx: Context, visible: SecretRow) => {
    await authorizeSecretWrite(ctx, visible.team_id, toSecret(visible));
    if (force) await authorize(ctx, visible.team_id, 'secret:write');
  };
  return changeSecret(
    ctx,
    input.id,
    input.expectedVersion,
    async (trx, current) => {
      const target = await lockedVersion(trx, current, input.version);
      secretPolicy.requirePromotable(current, target);
      if (!force) {
        const unverified = await verificationRepository.countLocationsNotPassed(trx, current.id, target.version, target.created_at);
        secretPolicy.requireVerifiedEverywhere(unverified, target.version);
      }
      // Previews were kept per version from migration 0013 on; an older version's are derived once here.
      const previews =
        target.credential_fields ??
        previewsOf(withEnvVars(target.auth_method as AuthMethod, await versionCredentials(trx, ctx.keyring, current, target.version)));
      const patch: SecretPatch = {
        ...(await currentMovedTo(trx, current, target.version, true)),
        credential_fields: JSON.stringify(previews),
        last_rotated_at: new Date(),
        updated_by: ctx.viewer.userId,
      };
      await secretRepository.updateSecret(trx, current.id, patch);
      const changed = [...movedStages(current, patch), 'credentials', ...(force ? ['force'] : [])];
      await recordObjectEvent(trx, ctx, 'Secret', 'secret.version_promoted', { ...current, version: current.version + 1 }, changed);
      return toSecret((await secretRepository.findSecret(trx, current.id))!);
    },
    authorizePromote,
  );
}

/** Clears PENDING (NO_ROTATION_IN_PROGRESS without one); the version row stays, stage-less. */
export async function cancelSecretRotation(ctx: Context, input: VersionedChangeInput): Promise<Secret> {
  return changeSecret(ctx, input.id, input.expectedVersion, async (trx, current) => {
    secretPolicy.requireRotationInProgress(current);
    await secretRepository.updateSecret(trx, current.id, { pending_version: null, updated_by: ctx.viewer.userId });
    await recordObjectEvent(trx, ctx, 'Secret', 'secret.rotation_cancelled', { ...current, version: current.version + 1 }, [
      'pendingVersion',
    ]);
    return toSecret((await secretRepository.findSecret(trx, current.id))!);
  });
}

/**
 * A new CURRENT version N+1 holding version `version`'s credentials, opened and sealed again here
 * under N+1's binding (the plaintext never leaves the server); VERSION_DESTROYED,
 * VERSION_NOT_RESTORABLE (requireRestorable).
 */
export async function restoreSecretVersion(ctx: Context, input: SecretVersionChangeInput): Promise<Secret> {
  return changeSecret(ctx, input.id, input.expectedVersion, async (trx, current) => {
    const source = await lockedVersion(trx, current, input.version);
    secretPolicy.requireRestorable(current, source);
    const method = current.auth_method as AuthMethod;
    const version = current.version + 1;
    const values = withEnvVars(method, await versionCredentials(trx, ctx.keyring, current, source.version));
    const prepared = sealWithPreviews(ctx.keyring, values, { teamId: current.team_id, secretId: current.id, version });
    const previews = JSON.stringify(prepared.previews);
    const patch: SecretPatch = {
      credential_fields: previews,
      ...(await currentMovedTo(trx, current, version)),
      updated_by: ctx.viewer.userId,
    };
    await secretRepository.updateSecret(trx, current.id, patch);
    await secretRepository.insertSecretVersion(trx, {
      secret_id: current.id,
      version,
      reason: 'RESTORE',
      auth_method: method,
      credential_fields: previews,
      restored_from: source.version,
      ...prepared.sealed,
      created_by: ctx.viewer.userId,
    });
    await recordObjectEvent(trx, ctx, 'Secret', 'secret.version_restored', { ...current, version }, [
      'credentials',
      ...movedStages(current, patch),
    ]);
    return toSecret((await secretRepository.findSecret(trx, current.id))!);
  });
}

/** Erases a version's payload for good (metadata stays, `destroyedAt` set); VERSION_IN_USE for CURRENT and PENDING. */
export async function destroySecretVersion(ctx: Context, input: SecretVersionChangeInput): Promise<Secret> {
  return changeSecret(ctx, input.id, input.expectedVersion, async (trx, current) => {
    const target = await lockedVersion(trx, current, input.version);
    secretPolicy.requireDestroyable(current, target);
    await secretRepository.destroySecretVersionPayload(trx, current.id, target.version);
    await secretRepository.updateSecret(trx, current.id, { updated_by: ctx.viewer.userId });
    await recordObjectEvent(trx, ctx, 'Secret', 'secret.version_destroyed', { ...current, version: current.version + 1 }, ['versions']);
    return toSecret((await secretRepository.findSecret(trx, current.id))!);
  });
}

/**
 * Who may delete a secret: whoever may change it, and, for a PRIVATE secret whose owner is no
 * longer a member of its team (an orphan: nobody may change it any more), an ADMIN or OWNER
 * (`secret:write`), so that it does not hold its name forever. Its values stay its owner's: the
 * team may remove it, never read or take it over.
 */
async function authorizeSecretDelete(ctx: Context, visible: SecretRow): Promise<void> {
  if (
    visible.owner_id !== null &&
    visible.owner_id !== ctx.viewer.userId &&
    !(await isTeamMember(ctx.db, visible.team_id, visible.owner_id))
  ) {
    await authorize(ctx, visible.team_id, 'secret:write');
    return;
  }
  await authorizeSecretWrite(ctx, visible.team_id, toSecret(visible));
}

/** Deleting at once, with no way back, is for those who manage the team's secrets (ADMIN, OWNER), on top of the right to delete. */
async function authorizeForcedDelete(ctx: Context, visible: SecretRow): Promise<void> {
  await authorizeSecretDelete(ctx, visible);
  await authorize(ctx, visible.team_id, 'secret:write');
}

export interface DeleteSecretInput extends VersionedChangeInput {
  /** Days until the purge (7–30, checked by the schema). @default DEFAULT_RECOVERY_WINDOW_DAYS */
  recoveryWindowDays?: number | null | undefined;
  /** Delete the secret and its versions now, with no recovery window. */
  forceDeleteWithoutRecovery?: boolean | null | undefined;
}

const DAY_MS = 86_400_000;

/**
 * Schedules the secret's deletion after the recovery window (the purge removes it then; until then
 * `restoreSecret` brings it back), or deletes it and its versions at once when forced. Answers the
 * secret as scheduled, null when forced. Refused while locations use it (SECRET_IN_USE). Its
 * `secret.deleted` event says which: `deletedAt`/`purgeAt` changed (scheduled), or none (gone).
 */
export async function deleteSecret(ctx: Context, input: DeleteSecretInput): Promise<Secret | null> {
  secretPolicy.requireOneDeletionMode(input);
  const force = input.forceDeleteWithoutRecovery === true;
  return changeSecret(
    ctx,
    input.id,
    input.expectedVersion,
    async (trx, current) => {
      secretPolicy.requireNotInUse(current.location_count);
      if (force) {
        await secretRepository.deleteSecret(trx, current.id);
        await recordObjectEvent(trx, ctx, 'Secret', 'secret.deleted', current);
        return null;
      }
      const deletedAt = new Date();
      const days = input.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
      await secretRepository.updateSecret(trx, current.id, {
        deleted_at: deletedAt,
        purge_at: new Date(deletedAt.getTime() + days * DAY_MS),
        updated_by: ctx.viewer.userId,
      });
      await recordObjectEvent(trx, ctx, 'Secret', 'secret.deleted', { ...current, version: current.version + 1 }, ['deletedAt', 'purgeAt']);
      return toSecret((await secretRepository.findSecret(trx, current.id))!);
    },
    force ? authorizeForcedDelete : authorizeSecretDelete,
  );
}

/** Cancels a scheduled deletion (SECRET_NOT_DELETED if there is none), until the purge has removed the secret; whoever may delete it may restore it. */
export async function restoreSecret(ctx: Context, input: VersionedChangeInput): Promise<Secret> {
  return changeSecretEvenIfDeleted(
    ctx,
    input.id,
    input.expectedVersion,
    async (trx, current) => {
      secretPolicy.requireScheduledForDeletion(current);
      await secretRepository.updateSecret(trx, current.id, { deleted_at: null, purge_at: null, updated_by: ctx.viewer.userId });
      await recordObjectEvent(trx, ctx, 'Secret', 'secret.restored', { ...current, version: current.version + 1 }, [
        'deletedAt',
        'purgeAt',
      ]);
      return toSecret((await secretRepository.findSecret(trx, current.id))!);
    },
    authorizeSecretDelete,
  );
}

/** The secret if the viewer may see it, else null. */
export async function loadSecret(ctx: Context, id: string): Promise<Secret | null> {
  return loadMapped(ctx.loaders.secret, id, toSecret);
}

/** The team's secret with this name, case-insensitively (for clients addressing secrets by alias). */
export async function findTeamSecretByName(ctx: Context, teamId: string, name: string): Promise<Secret | null> {
  const role = await authorize(ctx, teamId, 'secret:read');
  const row = await secretRepository.findSecretByName(ctx.db, teamId, name, { userId: ctx.viewer.userId, role });
  return row ? toSecret(row) : null;
}

export type SecretListArgs = PageArgs & { filter?: SecretFilter | null; orderBy?: ListOrder | null };

/** What a list's items ask for besides their own columns (the schema's look-ahead), for the list to fold into its statement. */
export interface SecretListNesting {
  createdBy: boolean;
  /** The arguments of the items' `locations`, or null when they do not ask for it. */
  locations: PageArgs | null;
}

/**
 * A page of the team's secrets. What `nesting` names is read in the same statement (one round trip)
 * and primed into the request's loaders, which the fields then read as always: the creator as the
 * user loader would answer, the locations page only when the token's scopes cover locations.
 */
export async function listTeamSecrets(ctx: Context, teamId: string, args: SecretListArgs, nesting?: SecretListNesting) {
  const role = await authorize(ctx, teamId, 'secret:read');
  const order = args.orderBy ?? DEFAULT_ORDER;
  const page = parsePageArgs(args, sortValueKind(order));
  const nested = nestedSelections(ctx, nesting);
  const rows =
    (args.filter == null ? foldedPages.get(ctx)?.get(foldKey(teamId, args, nesting)) : undefined) ??
    (await secretRepository.listSecrets(ctx.db, teamId, { userId: ctx.viewer.userId, role }, args.filter ?? {}, order, page, nested));
  primeNested(ctx, rows, nested);
  return toConnection(rows, page, cursorKey, toSecret);
}

/** Primes the request's loaders with secrets read with their nested selections: the fields then read them as always. */
function primeNested(ctx: Context, rows: readonly secretRepository.NestedSecretRow[], nested: secretRepository.NestedSelections): void {
  const locationsOfSecret = nested.locationsPage && ctx.loaders.locationsOfSecret(nested.locationsPage);
  for (const row of rows) {
    ctx.loaders.secret.prime(row.id, row);
    if (row.created_by && row.creator !== undefined) ctx.loaders.user.prime(row.created_by, row.creator);
    if (locationsOfSecret && row.locations_page) locationsOfSecret.prime(row.id, row.locations_page);
  }
}

/**
 * `node(id)` of a secret whose query asks for nested fields: reads the secret with them in one
 * statement, as the secret loader would answer it (membership, visibility; nothing without a
 * scope that reads secrets), and primes the loaders its fields then read.
 */
export async function prefetchSecret(ctx: Context, id: string, nesting: SecretListNesting): Promise<void> {
  if (!isUuid(id) || !scopesAllowReading(ctx.viewer.scopes, 'Secret')) return;
  const nested = nestedSelections(ctx, nesting);
  if (nested.creatorVisibleTo === undefined && nested.locationsPage === undefined) return;
  const rows = await secretRepository.findSecretsOfMember(ctx.db, ctx.viewer.userId, [id], nested);
  if (!rows.length) ctx.loaders.secret.prime(id, null);
  primeNested(ctx, rows, nested);
}

/** A `Team.secrets` list (unfiltered) that `Query.team` reads with the team itself. */
export interface TeamSecretsFold {
  args: PageArgs & { orderBy?: ListOrder | null };
  nesting: SecretListNesting;
}

/** Pages read with their team by `loadTeamWithSecrets`, per request, for `listTeamSecrets` to answer from. */
const foldedPages = new WeakMap<Context, Map<string, secretRepository.ListedSecretRow[]>>();

const foldKey = (teamId: string, args: TeamSecretsFold['args'], nesting: SecretListNesting | undefined) =>
  JSON.stringify([teamId, args.first, args.after, args.last, args.before, args.orderBy?.field, args.orderBy?.direction, nesting]);

/**
 * `loadTeam`, reading the page of secrets `fold` names in the same statement (one round trip for
 * `team(id) { secrets { … } }`). The team row primes the team loader, so `listTeamSecrets` then
 * authorises from it as always before it answers from the page; a token without `secrets:read`,
 * or arguments the list refuses, take the ordinary path.
 */
export async function loadTeamWithSecrets(ctx: Context, teamId: string, fold: TeamSecretsFold): Promise<Team | null> {
  let page;
  const order = fold.args.orderBy ?? DEFAULT_ORDER;
  try {
    page = parsePageArgs(fold.args, sortValueKind(order));
  } catch {
    // The list answers its own error when it resolves.
  }
  // A malformed id names nothing and never reaches SQL (as in the team loader).
  if (page && isUuid(teamId) && scopesAllow(ctx.viewer.scopes, 'secret:read')) {
    const nested = nestedSelections(ctx, fold.nesting);
    const found = await secretRepository.findTeamWithSecrets(ctx.db, ctx.viewer.userId, teamId, {}, order, page, nested);
    ctx.loaders.team.prime(teamId, found?.team ?? null);
    if (found) {
      const pages = foldedPages.get(ctx) ?? new Map<string, secretRepository.ListedSecretRow[]>();
      pages.set(foldKey(teamId, fold.args, fold.nesting), found.secrets);
      foldedPages.set(ctx, pages);
    }
  }
  return loadTeam(ctx, teamId);
}

function nestedSelections(ctx: Context, nesting: SecretListNesting | undefined): secretRepository.NestedSelections {
  let locationsPage;
  if (nesting?.locations && scopesAllowReading(ctx.viewer.scopes, 'Location')) {
    try {
      locationsPage = parsePageArgs(nesting.locations, 'text');
    } catch {
      // Arguments the field refuses: it answers its own error when it resolves.
    }
  }
  return { creatorVisibleTo: nesting?.createdBy ? ctx.viewer.userId : undefined, locationsPage };
}

/** A version of a secret the viewer sees, by `compositeId(secretId, version)`; null otherwise. */
export async function loadSecretVersion(ctx: Context, key: string): Promise<SecretVersion | null> {
  return loadMapped(ctx.loaders.secretVersion, key, toSecretVersion);
}

export async function listVersionsOfSecret(ctx: Context, secret: Secret, args: PageArgs) {
  await authorize(ctx, secret.teamId, 'secret:read');
  const page = parsePageArgs(args, 'integer');
  const rows = await secretRepository.listSecretVersions(ctx.db, secret.id, page);
  return toConnection(rows, page, (row) => [String(row.version), row.secret_id], toSecretVersion);
}

/** The version holding `stage` of the secret, or null. */
function versionAtStage(secret: SecretRow, stage: SecretVersionStage): number | null {
  return { CURRENT: secret.payload_version, PENDING: secret.pending_version, PREVIOUS: secret.previous_version }[stage];
}

/**
 * Operator side of `cli run`: the env vars of the secret's version at `stage` (CURRENT unless
 * told) in plaintext, for a child process only. Needs server-side access (database and master
 * key), not a token; records `secret.injected`.
 */
export async function injectableEnv(
  db: Db,
  keyring: MasterKeyring,
  secretId: string,
  stage: SecretVersionStage = 'CURRENT',
): Promise<Record<string, string>> {
  const outcome = await db.transaction().execute(async (trx): Promise<{ env: Record<string, string> } | { refuse: () => never }> => {
    const secret = await secretRepository.findSecret(trx, secretId);
    if (!secret) throw new NotFoundError('Secret not found');
    secretPolicy.requireInjectable(secret);
    const number = versionAtStage(secret, stage);
    // A version row lost to a partial restore is PAYLOAD_MISSING (versionCredentials), like a lost payload.
    const version = number === null ? undefined : await secretRepository.findSecretVersion(trx, secret.id, number);
    // The version's own previews name its env vars (the CURRENT ones are also the secret's).
    const storedNames = (version?.credential_fields ?? (stage === 'CURRENT' ? secret.credential_fields : [])).map((field) => field.envVar);
    // SECRET_DELETED, SECRET_EXPIRED: recorded with the env var names it would have set (names only); nothing runs.
    const refuse =
      secret.status === 'SCHEDULED_FOR_DELETION'
        ? () => secretPolicy.refuseDeleted(secret.purge_at!)
        : secret.status === 'EXPIRED'
          ? () => secretPolicy.refuseExpired(secret.expires_at!)
          : null;
    if (refuse) {
      await recordObjectEvent(trx, OPERATOR, 'Secret', 'secret.injected', secret, storedNames, 'DENIED');
      return { refuse };
    }
    if (number === null) throw new NotFoundError(`This secret has no ${stage} version`);
    if (version?.destroyed_at) secretPolicy.requireRestorable(secret, version);
    // RESERVED_ENV_KEY again, for secrets stored before the write rule: judged from the stored key
    // names before anything is decrypted (and from the values' names for a version stored without
    // previews); the refusal is recorded (names only) and nothing runs.
    const refuseReserved = async (names: string[]) => {
      const reserved = names.filter(isReservedEnvKey);
      if (!reserved.length) return null;
      await recordObjectEvent(trx, OPERATOR, 'Secret', 'secret.injected', secret, reserved, 'DENIED');
      return { refuse: () => secretPolicy.refuseStoredReservedKeys(reserved) };
    };
    const refusedBeforeOpening = await refuseReserved(storedNames);
    if (refusedBeforeOpening) return refusedBeforeOpening;
    const method = (version?.auth_method ?? secret.auth_method) as AuthMethod;
    const values = withEnvVars(method, await versionCredentials(trx, keyring, secret, number));
    const refused = await refuseReserved(values.map((value) => value.envVar));
    if (refused) return refused;
    const env = Object.fromEntries(values.map(({ envVar, value }) => [envVar, value]));
    await recordObjectEvent(trx, OPERATOR, 'Secret', 'secret.injected', secret, Object.keys(env));
    return { env };
  });
  // Thrown after the commit, so that the refusal's audit event stays.
  if ('refuse' in outcome) return outcome.refuse();
  return outcome.env;
}
