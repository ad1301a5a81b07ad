import { randomUUID } from 'node:crypto';
import type { Context } from '../../graphql/context.ts';
import type { CredentialFieldPreview, FieldMapping } from './secret.tables.ts';
import type { Db } from '../../database/database.ts';
import type { SealedColumns } from '../crypto/crypto.tables.ts';
import { ConflictError, ErrorCode, ForbiddenError, NotFoundError, ValidationError } from '../../errors.ts';
import { changeVersioned } from '../shared/versioned-change.ts';
import { DEFAULT_ORDER, cursorKey, sortValueKind, type ListOrder } from '../../database/keyset.ts';
import { parsePageArgs, toConnection, type PageArgs } from '../../graphql/pagination.ts';
import { recordAuditEvent } from '../audit/audit.service.ts';
import { authorize } from '../auth/auth.service.ts';
import { isTeamMember } from '../team/team.service.ts';
import type { MasterKeyring, PayloadBinding } from '../crypto/envelope.ts';
import { findTeamWorkspaceIds, findWorkspacesOfSecrets, setSecretWorkspaces } from '../workspace/workspace.repository.ts';
import { applyKeyOperations, hasKeyOperations, type EnvPair, type KeyOperations } from './env-key-operations.ts';
import { findPreset } from './presets.ts';
import { isReservedEnvKey } from './reserved-env-keys.ts';
import { createOnce } from '../idempotency/idempotency.service.ts';
import { openCredentials, sealCredentials, type CredentialPlaintext } from './secret-payload.ts';
import {
  refuseReservedKeys,
  requireAuthMethodOfType,
  requireCredentialSource,
  requireLocationTypeMatch,
  requireNotInUse,
  requireValidFieldMappings,
  requireVaultableType,
  ruleError,
  type Storage,
} from './secret.policy.ts';
export type { Storage } from './secret.policy.ts';
import { credentialValues, validateCredentials } from './credential-checks.ts';
import { maskValue } from './credential-masking.ts';
import type { FieldMappingInput, VaultType } from './field-mapping-references.ts';
import {
  credentialFieldsFor,
  defaultAuthMethod,
  supportsExternalVault,
  type AuthMethod,
  type CredentialsInput,
  type SecretType,
} from './provider-catalogue.ts';
import {
  deleteSecret as deleteSecretRow,
  findLocationTypeOtherThan,
  findSecret,
  findSecretByName,
  findSecretPayload,
  insertSecret,
  insertSecretVersion,
  listSecrets,
  listSecretVersions,
  lockSecret,
  updateSecret as updateSecretRow,
  type SecretFilter,
  type SecretPatch,
  type SecretRow,
  type SecretVersionRow,
} from './secret.repository.ts';

export type Visibility = 'TEAM' | 'PRIVATE';
export type WorkspaceAccess = 'ALL' | 'SOME' | 'NONE';

export interface CredentialFieldView {
  name: string;
  envVar: string;
  /** Null for EXTERNAL_VAULT secrets: nothing is stored here to preview. */
  maskedValue: string | null;
}

export interface Secret {
  id: string;
  teamId: string;
  name: string;
  description: string | null;
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
  version: number;
  lastRotatedAt: Date | null;
  locationCount: number;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  updatedBy: string | null;
}

export interface SecretVersion {
  secretId: string;
  version: number;
  reason: SecretVersionRow['reason'];
  createdAt: Date;
  createdBy: string | null;
}

export function toSecret(row: SecretRow): Secret {
  const authMethod = row.auth_method as AuthMethod;
  return {
    id: row.id,
    teamId: row.team_id,
    name: row.name,
    description: row.description,
    secretType: row.secret_type as SecretType,
    authMethod,
    storage: row.storage,
    vaultConnectionId: row.vault_connection_id,
    fieldMappings: row.field_mappings,
    credentialFields:
      row.storage === 'NATIVE' ? row.credential_fields : credentialFieldsFor(authMethod).map((field) => ({ name: field.name, envVar: field.envVar, maskedValue: null })),
    visibility: row.visibility,
    ownerId: row.owner_id,
    serviceSlug: row.service_slug,
    workspaceAccess: row.workspace_access,
    version: row.version,
    lastRotatedAt: row.last_rotated_at,
    locationCount: row.location_count,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

const toSecretVersion = (row: SecretVersionRow): SecretVersion => ({
  secretId: row.secret_id,
  version: row.version,
  reason: row.reason,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

/** What a credentials change stores: the sealed payload of the version row and the masked previews of the secret row. */
interface PreparedCredentials {
  sealed: SealedColumns;
  previews: CredentialFieldPreview[];
  /** The plaintext pairs sealed, for telling an update that stores what is already stored (never returned). */
  values: CredentialPlaintext[];
}

/**
 * INVALID_CREDENTIALS: validates NATIVE credentials for the method, then seals them. `toInputPath` maps an
 * error path relative to `credentials` (e.g. `['envVars', '0', 'key']`) to the input's.
 */
function prepareCredentials(
  ctx: Context,
  method: AuthMethod,
  credentials: CredentialsInput,
  binding: PayloadBinding,
  toInputPath: (path: string[]) => string[] = (path) => ['input', 'credentials', ...path],
): PreparedCredentials {
  const errors = validateCredentials(method, credentials);
  if (errors.length) {
    const fieldErrors = errors.map((error) => ({ ...error, path: toInputPath(error.path) }));
    throw new ValidationError(`The credentials are not valid for ${method}`, { code: ErrorCode.INVALID_CREDENTIALS, fieldErrors });
  }
  const values = credentialValues(method, credentials);
  // Only ENV keys are chosen by the caller; the storage methods' env var names are fixed (and none is reserved).
  if (method === 'ENV_VARS') refuseReservedKeys(values.map(({ envVar }, index) => ({ key: envVar, path: toInputPath(['envVars', String(index), 'key']) })));
  return {
    sealed: sealCredentials(ctx.keyring, values, binding),
    previews: values.map(({ name, envVar, value }) => ({ name, envVar, maskedValue: maskValue(value) })),
    values,
  };
}

/** Whether the viewer may see the keys and previews of a secret (another member's PRIVATE secret: no). */
export function viewerSeesKeys(ctx: Context, secret: Secret): boolean {
  return secret.visibility === 'TEAM' || secret.ownerId === ctx.viewer.userId;
}

/**
 * Who may change a secret: TEAM secrets need `secret:write` (ADMIN); PRIVATE ones belong to
 * their owner alone, who needs `secret:write-own-private` (OPERATOR) for ENV secrets and
 * `secret:write` for the others.
 */
async function authorizeSecretWrite(ctx: Context, teamId: string, secret: { visibility: Visibility; ownerId: string | null; secretType: SecretType }): Promise<void> {
  if (secret.visibility === 'TEAM') {
    await authorize(ctx, teamId, 'secret:write');
    return;
  }
  await authorize(ctx, teamId, secret.secretType === 'ENV' ? 'secret:write-own-private' : 'secret:write');
  if (secret.ownerId !== null && secret.ownerId !== ctx.viewer.userId) throw new ForbiddenError('Only its owner can change a PRIVATE secret');
}

/** Rules for `workspaceAccess`/`allowedWorkspaces`: SOME needs a non-empty list of the team's own workspaces. */
async function checkWorkspaces(ctx: Context, teamId: string, access: WorkspaceAccess, allowed: readonly (string | null)[] | null | undefined): Promise<string[]> {
  if (access !== 'SOME') return [];
  if (!allowed?.length) throw ruleError(ErrorCode.WORKSPACES_REQUIRED, ['allowedWorkspaces'], 'workspaceAccess SOME needs at least one allowed workspace');
  const known = await findTeamWorkspaceIds(ctx.db, teamId, allowed.filter((id) => id !== null));
  const errors = allowed.flatMap((id, index) => (id && known.has(id) ? [] : [{ path: ['input', 'allowedWorkspaces', String(index)], message: 'Not a workspace of this team', code: ErrorCode.UNKNOWN_WORKSPACE }]));
  if (errors.length) throw new ValidationError('allowedWorkspaces must be workspaces of the team', { code: ErrorCode.UNKNOWN_WORKSPACE, fieldErrors: errors });
  return [...new Set(allowed as string[])];
}

export interface CreateSecretInput {
  teamId: string;
  name?: string | null | undefined;
  description?: string | null | undefined;
  secretType?: SecretType | null | undefined;
  authMethod?: AuthMethod | null | undefined;
  credentials?: CredentialsInput | null | undefined;
  vaultConnectionId?: string | null | undefined;
  fieldMappings?: readonly FieldMappingInput[] | null | undefined;
  /** false: a PRIVATE secret of the viewer. @default true */
  shared?: boolean | null | undefined;
  serviceSlug?: string | null | undefined;
  /** A preset's slug: with `value`, makes an ENV secret whose key is the preset's env var. */
  preset?: string | null | undefined;
  value?: string | null | undefined;
  workspaceAccess?: WorkspaceAccess | null | undefined;
  /** Workspace row ids; null for an id that names no workspace (UNKNOWN_WORKSPACE at its index). */
  allowedWorkspaces?: readonly (string | null)[] | null | undefined;
  /** The same key and input again within 24 hours returns this create's result without a second write. */
  idempotencyKey?: string | null | undefined;
}

/** `preset` + `value` is shorthand for an ENV secret named after, and keyed by, the preset's env var. */
function expandPreset(input: CreateSecretInput): CreateSecretInput {
  if (input.preset == null && input.value == null) return input;
  const preset = input.preset == null ? undefined : findPreset(input.preset);
  if (!preset) throw ruleError(ErrorCode.UNKNOWN_PRESET, ['preset'], 'Give a preset listed by secretPresets together with value');
  if (preset.envVars.length !== 1 || input.value == null) {
    throw ruleError(ErrorCode.PRESET_CONFLICT, ['value'], `The ${preset.slug} preset takes ${preset.envVars.length === 1 ? 'a value' : 'credentials, not a single value'}`);
  }
  if (input.credentials || input.vaultConnectionId || (input.secretType && input.secretType !== 'ENV')) {
    throw ruleError(ErrorCode.PRESET_CONFLICT, ['preset'], 'A preset with a value makes an ENV secret: leave out credentials, vaultConnectionId and other secret types');
  }
  const key = preset.envVars[0]!;
  return {
    ...input,
    name: input.name ?? key,
    secretType: 'ENV',
    serviceSlug: input.serviceSlug ?? preset.slug,
    credentials: { envVars: [{ key, value: input.value }] },
  };
}

export async function createSecret(ctx: Context, rawInput: CreateSecretInput): Promise<Secret> {
  const input = expandPreset(rawInput);
  if (!input.name) throw ruleError(ErrorCode.VALIDATION_FAILED, ['name'], 'A name is required (it may be omitted only with a preset)');
  if (!input.secretType) throw ruleError(ErrorCode.VALIDATION_FAILED, ['secretType'], 'A secretType is required (it may be omitted only with a preset)');
  const secretType = input.secretType;
  const visibility: Visibility = input.shared === false ? 'PRIVATE' : 'TEAM';
  await authorizeSecretWrite(ctx, input.teamId, { visibility, ownerId: null, secretType });
  const storage: Storage = input.vaultConnectionId ? 'EXTERNAL_VAULT' : 'NATIVE';
  requireCredentialSource(storage, input);
  const authMethod = requireAuthMethodOfType(secretType, input.authMethod ?? defaultAuthMethod(secretType), false);
  const workspaceAccess = input.workspaceAccess ?? 'ALL';
  const workspaceIds = await checkWorkspaces(ctx, input.teamId, workspaceAccess, input.allowedWorkspaces);
  const id = randomUUID();

  let stored: { credential_fields: string; payload_version: number | null; field_mappings: string | null; vault_connection_id: string | null };
  let sealed: SealedColumns | null = null;
  if (storage === 'NATIVE') {
    if (!input.credentials) throw ruleError(ErrorCode.CREDENTIALS_REQUIRED, ['credentials'], 'A NATIVE secret needs credentials');
    const prepared = prepareCredentials(ctx, authMethod, input.credentials, { teamId: input.teamId, secretId: id, version: 1 });
    sealed = prepared.sealed;
    stored = { credential_fields: JSON.stringify(prepared.previews), payload_version: 1, field_mappings: null, vault_connection_id: null };
  } else {
    const connection = await ctx.loaders.vaultConnection.load(input.vaultConnectionId!);
    if (!connection || connection.team_id !== input.teamId) throw new NotFoundError('Vault connection not found in this team');
    if (!supportsExternalVault(secretType)) {
      throw ruleError(ErrorCode.CREDENTIALS_REQUIRED, ['vaultConnectionId'], `${secretType} secrets are stored here, not in an external vault`);
    }
    if (!input.fieldMappings) throw ruleError(ErrorCode.FIELD_MAPPINGS_REQUIRED, ['fieldMappings'], 'An EXTERNAL_VAULT secret needs fieldMappings');
    const mappings = requireValidFieldMappings(authMethod, connection.vault_type as VaultType, input.fieldMappings);
    stored = { credential_fields: '[]', payload_version: null, field_mappings: JSON.stringify(mappings), vault_connection_id: connection.id };
  }

  const once = { operation: 'createSecret', key: rawInput.idempotencyKey, input: rawInput, resultId: id };
  const load = async (trx: Db, secretId: string) => {
    const row = await findSecret(trx, secretId);
    return row && toSecret(row);
  };
  return ctx.db.transaction().execute((trx) =>
    createOnce(ctx, trx, once, (secretId) => load(trx, secretId), async () => {
      await insertSecret(trx, {
        id,
        team_id: input.teamId,
        name: input.name!,
        description: input.description ?? null,
        secret_type: secretType,
        auth_method: authMethod,
        storage,
        ...stored,
        visibility,
        owner_id: visibility === 'PRIVATE' ? ctx.viewer.userId : null,
        service_slug: input.serviceSlug ?? null,
        workspace_access: workspaceAccess,
        created_by: ctx.viewer.userId,
        updated_by: ctx.viewer.userId,
      });
      await setSecretWorkspaces(trx, id, workspaceIds);
      await insertSecretVersion(trx, { secret_id: id, version: 1, reason: 'CREATE', ...sealed, created_by: ctx.viewer.userId });
      const changedFields = ['name', 'description', 'secretType', 'authMethod', storage === 'NATIVE' ? 'credentials' : 'fieldMappings', 'visibility', 'serviceSlug', 'workspaceAccess'];
      await recordAuditEvent(trx, ctx, { teamId: input.teamId, action: 'secret.created', targetType: 'Secret', targetId: id, changedFields, targetVersion: 1 });
      return toSecret((await findSecret(trx, id))!);
    }),
  );
}

/** Authorises a change of a secret the viewer can see, then runs `change` with the secret locked and its version checked (VERSION_MISMATCH; the lock keeps LOCATION_TYPE_MISMATCH under concurrency). */
async function changeSecret<T>(
  ctx: Context,
  id: string,
  expectedVersion: number | null | undefined,
  change: (trx: Db, current: SecretRow) => Promise<T>,
  authorizeChange: (visible: SecretRow) => Promise<void> = (visible) => authorizeSecretWrite(ctx, visible.team_id, toSecret(visible)),
): Promise<T> {
  const spec = {
    what: 'secret',
    visible: await ctx.loaders.beforeScopes.secret.load(id),
    authorize: authorizeChange,
    lock: (trx: Db) => lockSecret(trx, id),
    expectedVersion,
  };
  return changeVersioned(ctx, spec, change);
}

export interface UpdateSecretInput extends KeyOperations {
  id: string;
  name?: string | null | undefined;
  description?: string | null | undefined;
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
  expectedVersion?: number | null | undefined;
}

/**
 * The plaintext credentials of the secret's current version (server side only: key edits, no-op
 * detection, `cli run`, remasking). ConflictError PAYLOAD_MISSING when that version's row or
 * its payload is gone, rather than an unexpected failure on the missing bytes.
 */
export async function currentCredentials(db: Db, keyring: MasterKeyring, secret: Pick<SecretRow, 'id' | 'team_id' | 'payload_version'>): Promise<CredentialPlaintext[]> {
  const payload = secret.payload_version === null ? undefined : await findSecretPayload(db, secret.id, secret.payload_version);
  const { ciphertext, iv, auth_tag, wrapped_data_key, master_key_id } = payload ?? {};
  if (!ciphertext || !iv || !auth_tag || !wrapped_data_key || !master_key_id) {
    throw new ConflictError(
      `The stored payload of version ${secret.payload_version} of this secret is missing: its values cannot be read. Restore it, or store new credentials with rotateSecret`,
      ErrorCode.PAYLOAD_MISSING,
    );
  }
  const binding = { teamId: secret.team_id, secretId: secret.id, version: secret.payload_version! };
  return openCredentials(keyring, { ciphertext, iv, auth_tag, wrapped_data_key, master_key_id }, binding);
}

/** Whether the secret's current version holds exactly `values`, in that order; a missing payload holds nothing. */
async function holdsValues(ctx: Context, trx: Db, current: SecretRow, values: readonly CredentialPlaintext[]): Promise<boolean> {
  let stored: CredentialPlaintext[];
  try {
    stored = await currentCredentials(trx, ctx.keyring, current);
  } catch (error) {
    if (error instanceof ConflictError && error.code === ErrorCode.PAYLOAD_MISSING) return false;
    throw error;
  }
  return stored.length === values.length && stored.every((pair, index) => pair.name === values[index]!.name && pair.value === values[index]!.value);
}

/** ENV key edits: the current pairs (decrypted here, never returned) with the operations applied, or a ValidationError. */
async function editEnvPairs(ctx: Context, trx: Db, current: SecretRow, ops: KeyOperations): Promise<EnvPair[]> {
  refuseReservedKeys([
    ...(ops.renameKeys ?? []).map(({ to }, index) => ({ key: to, path: ['input', 'renameKeys', String(index), 'to'] })),
    ...(ops.addValues ?? []).map(({ key }, index) => ({ key, path: ['input', 'addValues', String(index), 'key'] })),
  ]);
  const pairs = (await currentCredentials(trx, ctx.keyring, current)).map(({ name, value }) => ({ key: name, value }));
  const { pairs: edited, errors } = applyKeyOperations(pairs, ops);
  if (errors.length) throw new ValidationError('The key operations cannot be applied; nothing was changed', { code: ErrorCode.INVALID_KEY_OPERATIONS, fieldErrors: errors });
  // A key stored before the rule may not be carried into a new version either: remove or rename it in the same update.
  refuseReservedKeys(edited.map(({ key }) => ({ key, path: ['input', 'removeKeys'], message: `The stored key ${key} is reserved: remove it or rename it in this update` })));
  return edited;
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
  const workspaceIds = visible && input.workspaceAccess ? await checkWorkspaces(ctx, visible.team_id, input.workspaceAccess, input.allowedWorkspaces) : null;
  return changeSecret(ctx, input.id, input.expectedVersion, async (trx, current) => {
    requireCredentialSource(current.storage, input);
    const secretType = input.secretType ?? (current.secret_type as SecretType);
    const typeChanged = secretType !== current.secret_type;
    const authMethod = requireAuthMethodOfType(secretType, input.authMethod ?? (current.auth_method as AuthMethod), typeChanged && !input.authMethod);
    const methodChanged = authMethod !== current.auth_method;
    const keyEdits = hasKeyOperations(input);
    // Errors about the key operations point at the first one the input gives.
    const keyOpsField = input.renameKeys != null ? 'renameKeys' : input.removeKeys != null ? 'removeKeys' : 'addValues';
    const version = current.version + 1;

    if (typeChanged) {
      const mismatched = await findLocationTypeOtherThan(trx, current.id, secretType);
      if (mismatched) requireLocationTypeMatch({ locationType: mismatched, secretType }, 'secretType');
      requireVaultableType(current.storage, secretType);
    }
    if ((input.values || keyEdits) && (secretType !== 'ENV' || current.storage !== 'NATIVE')) {
      throw ruleError(ErrorCode.ENV_ONLY, [input.values ? 'values' : keyOpsField], 'values and key operations apply to ENV secrets only');
    }
    if (input.values && (keyEdits || input.credentials)) {
      throw ruleError(ErrorCode.VALUES_AND_KEY_OPERATIONS_EXCLUSIVE, ['values'], 'values replaces every key: give it alone, without credentials or key operations');
    }
    if (keyEdits && (input.credentials || typeChanged || methodChanged)) {
      throw ruleError(ErrorCode.VALUES_AND_KEY_OPERATIONS_EXCLUSIVE, [keyOpsField], 'Key operations edit the current keys: give them without credentials or a type change');
    }

    const patch: SecretPatch = { updated_by: ctx.viewer.userId };
    const changedFields: string[] = [];
    const change = <K extends keyof SecretPatch>(field: string, column: K, value: SecretPatch[K]) => {
      patch[column] = value;
      changedFields.push(field);
    };
    if (input.name != null && input.name !== current.name) change('name', 'name', input.name);
    if (input.description !== undefined && input.description !== current.description) change('description', 'description', input.description);
    if (input.serviceSlug !== undefined && input.serviceSlug !== current.service_slug) change('serviceSlug', 'service_slug', input.serviceSlug);
    if (typeChanged) change('secretType', 'secret_type', secretType);
    if (methodChanged) change('authMethod', 'auth_method', authMethod);
    if (input.shared != null) {
      const visibility: Visibility = input.shared ? 'TEAM' : 'PRIVATE';
      if (visibility !== current.visibility) {
        if (visibility === 'PRIVATE' && current.location_count > 0) {
          throw ruleError(ErrorCode.SECRET_NOT_SHARED, ['shared'], 'Locations use this secret: it must stay shared with the team');
        }
        change('visibility', 'visibility', visibility);
        patch.owner_id = visibility === 'PRIVATE' ? ctx.viewer.userId : null;
      }
    }
    if (workspaceIds && input.workspaceAccess) {
      const allowed = new Set((await findWorkspacesOfSecrets(trx, [current.id])).map((workspace) => workspace.id));
      if (input.workspaceAccess !== current.workspace_access || workspaceIds.length !== allowed.size || workspaceIds.some((id) => !allowed.has(id))) {
        change('workspaceAccess', 'workspace_access', input.workspaceAccess);
        await setSecretWorkspaces(trx, current.id, workspaceIds);
      }
    }

    let prepared: PreparedCredentials | null = null;
    const binding = { teamId: current.team_id, secretId: current.id, version };
    if (current.storage === 'NATIVE') {
      if (methodChanged && !input.credentials) throw ruleError(ErrorCode.CREDENTIALS_REQUIRED, ['credentials'], `Changing the auth method to ${authMethod} needs new credentials`);
      if (input.credentials) prepared = prepareCredentials(ctx, authMethod, input.credentials, binding);
      // `values` is the envVars list itself: ['envVars', '0', 'key'] is ['input', 'values', '0', 'key'].
      else if (input.values) prepared = prepareCredentials(ctx, 'ENV_VARS', { envVars: input.values }, binding, ([, ...rest]) => ['input', 'values', ...rest]);
      else if (keyEdits) prepared = prepareCredentials(ctx, 'ENV_VARS', { envVars: await editEnvPairs(ctx, trx, current, input) }, binding);
      // The values already stored, under the same method: not a change (validated all the same, above).
      if (prepared && !methodChanged && (await holdsValues(ctx, trx, current, prepared.values))) prepared = null;
      if (prepared) {
        change('credentials', 'credential_fields', JSON.stringify(prepared.previews));
        patch.payload_version = version;
      }
    } else {
      if (methodChanged && !input.fieldMappings) throw ruleError(ErrorCode.FIELD_MAPPINGS_REQUIRED, ['fieldMappings'], `Changing the auth method to ${authMethod} needs new fieldMappings`);
      if (input.fieldMappings) {
        const mappings = requireValidFieldMappings(authMethod, connection!.vault_type as VaultType, input.fieldMappings);
        const stored = current.field_mappings ?? [];
        const same = !methodChanged && stored.length === mappings.length && mappings.every((m, index) => m.fieldName === stored[index]!.fieldName && m.reference === stored[index]!.reference);
        if (!same) change('fieldMappings', 'field_mappings', JSON.stringify(mappings));
      }
    }

    // Nothing differs from what is stored: the secret as it is, with no new version and no audit
    // event for a change that did not happen (VERSION_MISMATCH's `version` counts changes).
    if (!changedFields.length) return toSecret(current);
    await updateSecretRow(trx, current.id, patch);
    if (changedFields.includes('credentials') || changedFields.includes('fieldMappings')) {
      await insertSecretVersion(trx, { secret_id: current.id, version, reason: 'UPDATE', ...prepared?.sealed, created_by: ctx.viewer.userId });
    }
    await recordAuditEvent(trx, ctx, { teamId: current.team_id, action: 'secret.updated', targetType: 'Secret', targetId: current.id, changedFields, targetVersion: version });
    return toSecret((await findSecret(trx, current.id))!);
  });
}

/** New credentials for a NATIVE secret under the same auth method: a new version, `lastRotatedAt` set. */
export async function rotateSecret(ctx: Context, input: { id: string; credentials: CredentialsInput; expectedVersion?: number | null | undefined }): Promise<Secret> {
  return changeSecret(ctx, input.id, input.expectedVersion, async (trx, current) => {
    if (current.storage !== 'NATIVE') {
      throw ruleError(ErrorCode.CREDENTIALS_NOT_ALLOWED, ['credentials'], 'An EXTERNAL_VAULT secret is rotated in its vault, not here');
    }
    const version = current.version + 1;
    const prepared = prepareCredentials(ctx, current.auth_method as AuthMethod, input.credentials, { teamId: current.team_id, secretId: current.id, version });
    await updateSecretRow(trx, current.id, {
      credential_fields: JSON.stringify(prepared.previews),
      payload_version: version,
      last_rotated_at: new Date(),
      updated_by: ctx.viewer.userId,
    });
    await insertSecretVersion(trx, { secret_id: current.id, version, reason: 'ROTATE', ...prepared.sealed, created_by: ctx.viewer.userId });
    await recordAuditEvent(trx, ctx, { teamId: current.team_id, action: 'secret.rotated', targetType: 'Secret', targetId: current.id, changedFields: ['credentials'], targetVersion: version });
    return toSecret((await findSecret(trx, current.id))!);
  });
}

/**
 * Who may delete a secret: whoever may change it, and, for a PRIVATE secret whose owner is no
 * longer a member of its team (an orphan: nobody may change it any more), an ADMIN or OWNER
 * (`secret:write`), so that it does not hold its name forever. Its values stay its owner's: the
 * team may remove it, never read or take it over.
 */
async function authorizeSecretDelete(ctx: Context, visible: SecretRow): Promise<void> {
  if (visible.owner_id !== null && visible.owner_id !== ctx.viewer.userId && !(await isTeamMember(ctx.db, visible.team_id, visible.owner_id))) {
    await authorize(ctx, visible.team_id, 'secret:write');
    return;
  }
  await authorizeSecretWrite(ctx, visible.team_id, toSecret(visible));
}

/** Deletes a secret and its versions; refused while locations use it (SECRET_IN_USE). */
export async function deleteSecret(ctx: Context, input: { id: string; expectedVersion?: number | null | undefined }): Promise<void> {
  const authorizeDelete = (visible: SecretRow) => authorizeSecretDelete(ctx, visible);
  await changeSecret(ctx, input.id, input.expectedVersion, async (trx, current) => {
    requireNotInUse(current.location_count);
    await deleteSecretRow(trx, current.id);
    await recordAuditEvent(trx, ctx, { teamId: current.team_id, action: 'secret.deleted', targetType: 'Secret', targetId: current.id, targetVersion: current.version });
  }, authorizeDelete);
}

/** The secret if the viewer may see it, else null. */
export async function loadSecret(ctx: Context, id: string): Promise<Secret | null> {
  const row = await ctx.loaders.secret.load(id);
  return row ? toSecret(row) : null;
}

/** The team's secret with this name, case-insensitively (for clients addressing secrets by alias). */
export async function findTeamSecretByName(ctx: Context, teamId: string, name: string): Promise<Secret | null> {
  const role = await authorize(ctx, teamId, 'secret:read');
  const row = await findSecretByName(ctx.db, teamId, name, { userId: ctx.viewer.userId, role });
  return row ? toSecret(row) : null;
}

export type SecretListArgs = PageArgs & { filter?: SecretFilter | null; orderBy?: ListOrder | null };

export async function listTeamSecrets(ctx: Context, teamId: string, args: SecretListArgs) {
  const role = await authorize(ctx, teamId, 'secret:read');
  const order = args.orderBy ?? DEFAULT_ORDER;
  const page = parsePageArgs(args, sortValueKind(order));
  const rows = await listSecrets(ctx.db, teamId, { userId: ctx.viewer.userId, role }, args.filter ?? {}, order, page);
  return toConnection(rows, page, cursorKey, toSecret);
}

/** A version of a secret the viewer sees, by `compositeId(secretId, version)`; null otherwise. */
export async function loadSecretVersion(ctx: Context, key: string): Promise<SecretVersion | null> {
  const row = await ctx.loaders.secretVersion.load(key);
  return row ? toSecretVersion(row) : null;
}

export async function listVersionsOfSecret(ctx: Context, secret: Secret, args: PageArgs) {
  await authorize(ctx, secret.teamId, 'secret:read');
  const page = parsePageArgs(args, 'integer');
  const rows = await listSecretVersions(ctx.db, secret.id, page);
  return toConnection(rows, page, (row) => [String(row.version), row.secret_id], toSecretVersion);
}

/**
 * Operator side of `cli run`: the secret's env vars in plaintext, for a child process only.
 * Needs server-side access (database and master key), not a token; records `secret.injected`.
 */
export async function injectableEnv(db: Db, keyring: MasterKeyring, secretId: string): Promise<Record<string, string>> {
  const outcome = await db.transaction().execute(async (trx): Promise<{ env: Record<string, string> } | { reserved: string[] }> => {
    const secret = await findSecret(trx, secretId);
    if (!secret) throw new NotFoundError('Secret not found');
    if (secret.storage !== 'NATIVE' || secret.payload_version === null) {
      throw new ValidationError('This secret reads its credentials from an external vault: they must be fetched from the vault, cloakroom holds no value to inject', {
        code: ErrorCode.CREDENTIALS_NOT_ALLOWED,
      });
    }
    // RESERVED_ENV_KEY again, for secrets stored before the write rule: judged from the stored key
    // names, before anything is decrypted; the refusal is recorded (names only) and nothing runs.
    const reserved = secret.credential_fields.map((field) => field.envVar).filter(isReservedEnvKey);
    if (reserved.length) {
      await recordAuditEvent(trx, { viewer: null, meta: null }, {
        teamId: secret.team_id,
        action: 'secret.injected',
        targetType: 'Secret',
        targetId: secret.id,
        changedFields: reserved,
        targetVersion: secret.version,
        outcome: 'DENIED',
      });
      return { reserved };
    }
    const envVarOf = new Map(secret.credential_fields.map((field) => [field.name, field.envVar]));
    const env = Object.fromEntries((await currentCredentials(trx, keyring, secret)).map(({ name, value }) => [envVarOf.get(name) ?? name, value]));
    await recordAuditEvent(trx, { viewer: null, meta: null }, {
      teamId: secret.team_id,
      action: 'secret.injected',
      targetType: 'Secret',
      targetId: secret.id,
      changedFields: Object.keys(env),
      targetVersion: secret.version,
    });
    return { env };
  });
  if ('reserved' in outcome) {
    throw new ValidationError(
      `This secret holds reserved env keys that cli run will not inject: ${outcome.reserved.join(', ')}. Rename or remove them (updateSecret renameKeys/removeKeys); nothing was run`,
      { code: ErrorCode.RESERVED_ENV_KEY },
    );
  }
  return outcome.env;
}
