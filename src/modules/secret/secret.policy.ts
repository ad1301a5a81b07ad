import type { FieldMapping } from './secret.tables.ts';
import type { OptionalFields } from '../shared/optional-fields.ts';
import { ConflictError, ErrorCode, NotFoundError, ValidationError, type FieldError } from '../../errors.ts';
import { credentialValues, validateCredentials, type CredentialValue } from './credential-checks.ts';
import { applyKeyOperations, type EnvPair, type KeyOperations } from './env-key-operations.ts';
import { validateFieldMappings, type FieldMappingInput, type VaultType } from './field-mapping-references.ts';
import { findPreset } from './presets.ts';
import {
  isAuthMethodValidFor,
  supportsExternalVault,
  type AuthMethod,
  type CredentialsInput,
  type SecretType,
} from './provider-catalogue.ts';
import { isReservedEnvKey } from './reserved-env-keys.ts';

/**
 * The rules of DESIGN §3 that secrets and locations answer to, one function each, named by the
 * error code it throws (search the code to find the rule). The services call these inside their
 * transactions, under the locks that make them hold under concurrency; they read nothing
 * themselves. `path`s are relative to the mutation's `input`.
 */

export type Storage = 'NATIVE' | 'EXTERNAL_VAULT';
export type Visibility = 'TEAM' | 'PRIVATE';

/** A secret's lifecycle status, in the order it is judged from the end (secret.repository.ts computes it). */
export const SECRET_STATUSES = ['ACTIVE', 'ROTATION_DUE', 'EXPIRED', 'SCHEDULED_FOR_DELETION'] as const;
export type SecretStatus = (typeof SECRET_STATUSES)[number];

function ruleError(code: ErrorCode, path: string[], message: string): ValidationError {
  return ValidationError.forField(['input', ...path], message, code);
}

/**
 * LOCATION_TYPE_MISMATCH: a location and its secret are of one type. Linking (`secretId` on a
 * location) and changing a secret's type (`secretType`, checked against each linked location's
 * type) both ask here; migration 0011's composite foreign key holds it in the database too.
 */
export function requireLocationTypeMatch(pair: { locationType: string; secretType: string }, changing: 'secretId' | 'secretType'): void {
  if (pair.locationType === pair.secretType) return;
  throw changing === 'secretId'
    ? ruleError(
        ErrorCode.LOCATION_TYPE_MISMATCH,
        ['secretId'],
        `A ${pair.locationType} location needs a ${pair.locationType} secret, not ${pair.secretType}`,
      )
    : ruleError(
        ErrorCode.LOCATION_TYPE_MISMATCH,
        ['secretType'],
        `Linked locations are of type ${pair.locationType}, not ${pair.secretType}: relink or delete them first`,
      );
}

/** SECRET_IN_USE: a secret that locations use cannot be deleted. */
export function requireNotInUse(locationCount: number): void {
  if (locationCount > 0)
    throw new ConflictError(`${locationCount} location(s) use this secret: relink or delete them first`, ErrorCode.SECRET_IN_USE);
}

/**
 * SECRET_DELETED: a secret scheduled for deletion is frozen until `restoreSecret`: every other
 * change of it (the `changeSecret` of secret.service.ts asks here), linking a location to it
 * (`secretId`; migration 0014's foreign key holds it in the database too) and `cli run` are refused.
 */
export function requireNotDeleted(secret: { deleted_at: Date | null; purge_at: Date | null }, changing?: 'secretId'): void {
  if (secret.deleted_at) refuseDeleted(secret.purge_at!, changing);
}

/** SECRET_DELETED, for a secret known to be scheduled for deletion. */
export function refuseDeleted(purgeAt: Date, changing?: 'secretId'): never {
  const what = changing === 'secretId' ? 'no location may use it' : 'restore it (restoreSecret) to change or use it';
  throw new ConflictError(`This secret is scheduled for deletion at ${purgeAt.toISOString()}: ${what}`, ErrorCode.SECRET_DELETED);
}

/** SECRET_NOT_DELETED: `restoreSecret` cancels a scheduled deletion; a secret not scheduled has none to cancel. */
export function requireScheduledForDeletion(secret: { deleted_at: Date | null }): void {
  if (!secret.deleted_at)
    throw new ConflictError('This secret is not scheduled for deletion: there is nothing to restore', ErrorCode.SECRET_NOT_DELETED);
}

/**
 * VALIDATION_FAILED: a delete either schedules the purge after a recovery window or, with
 * `forceDeleteWithoutRecovery`, deletes at once: asking for both is a contradiction.
 */
export function requireOneDeletionMode(input: { recoveryWindowDays?: number | null; forceDeleteWithoutRecovery?: boolean | null }): void {
  if (input.forceDeleteWithoutRecovery && input.recoveryWindowDays != null)
    throw ruleError(
      ErrorCode.VALIDATION_FAILED,
      ['forceDeleteWithoutRecovery'],
      'Give recoveryWindowDays (schedule the deletion) or forceDeleteWithoutRecovery (delete now), not both',
    );
}

/**
 * AUTH_METHOD_INVALID_FOR_TYPE: the auth method belongs to the secret type; changing the type so
 * that the current method becomes invalid, without giving a valid one, is this error too.
 */
export function requireAuthMethodOfType(type: SecretType, method: AuthMethod | null, changingType: boolean): AuthMethod {
  if (method && isAuthMethodValidFor(type, method)) return method;
  const message = method
    ? changingType
      ? `The current auth method ${method} is not valid for ${type}: give an authMethod valid for ${type}`
      : `${method} is not an auth method of ${type}`
    : `${type} has several auth methods: choose one`;
  throw ruleError(ErrorCode.AUTH_METHOD_INVALID_FOR_TYPE, ['authMethod'], message);
}

/**
 * An EXTERNAL_VAULT secret's type must be one a vault can hold: creating one with a vault
 * connection is CREDENTIALS_REQUIRED (such types store their credentials here); changing the
 * type of one to such a type is AUTH_METHOD_INVALID_FOR_TYPE.
 */
export function requireVaultableType(storage: Storage, type: SecretType, changing: 'vaultConnectionId' | 'secretType'): void {
  if (storage !== 'EXTERNAL_VAULT' || supportsExternalVault(type)) return;
  throw changing === 'vaultConnectionId'
    ? ruleError(ErrorCode.CREDENTIALS_REQUIRED, ['vaultConnectionId'], `${type} secrets are stored here, not in an external vault`)
    : ruleError(ErrorCode.AUTH_METHOD_INVALID_FOR_TYPE, ['secretType'], `${type} secrets cannot read from an external vault`);
}

/**
 * CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE, CREDENTIALS_NOT_ALLOWED, FIELD_MAPPINGS_NOT_ALLOWED:
 * which of credentials / fieldMappings a secret of this storage may take.
 */
export function requireCredentialSource(
  storage: Storage,
  input: { credentials?: CredentialsInput | null; fieldMappings?: readonly FieldMappingInput[] | null },
): void {
  if (input.credentials && input.fieldMappings) {
    throw ruleError(ErrorCode.CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE, ['fieldMappings'], 'Give credentials or fieldMappings, not both');
  }
  if (storage === 'EXTERNAL_VAULT' && input.credentials) {
    throw ruleError(
      ErrorCode.CREDENTIALS_NOT_ALLOWED,
      ['credentials'],
      'An EXTERNAL_VAULT secret reads its credentials from the vault: give fieldMappings instead',
    );
  }
  if (storage === 'NATIVE' && input.fieldMappings) {
    throw ruleError(
      ErrorCode.FIELD_MAPPINGS_NOT_ALLOWED,
      ['fieldMappings'],
      'A NATIVE secret stores its credentials here: give credentials instead',
    );
  }
}

/**
 * CREDENTIALS_REQUIRED: a NATIVE secret needs credentials when it is created and when its auth
 * method changes (`changedTo`).
 */
export function requireCredentials(credentials: CredentialsInput | null | undefined, changedTo?: AuthMethod): CredentialsInput {
  return requireStorageInput(credentials, 'credentials', ErrorCode.CREDENTIALS_REQUIRED, 'A NATIVE secret needs credentials', changedTo);
}

/** FIELD_MAPPINGS_REQUIRED: the same for an EXTERNAL_VAULT secret and its fieldMappings. */
export function requireFieldMappings(
  mappings: readonly FieldMappingInput[] | null | undefined,
  changedTo?: AuthMethod,
): readonly FieldMappingInput[] {
  return requireStorageInput(
    mappings,
    'fieldMappings',
    ErrorCode.FIELD_MAPPINGS_REQUIRED,
    'An EXTERNAL_VAULT secret needs fieldMappings',
    changedTo,
  );
}

/** The input field a secret's storage reads its credentials from, or `code` at that field. */
function requireStorageInput<T>(
  value: T | null | undefined,
  field: 'credentials' | 'fieldMappings',
  code: ErrorCode,
  needed: string,
  changedTo: AuthMethod | undefined,
): T {
  if (value) return value;
  throw ruleError(code, [field], changedTo ? `Changing the auth method to ${changedTo} needs new ${field}` : needed);
}

/**
 * INVALID_CREDENTIALS, RESERVED_ENV_KEY: NATIVE credentials valid for the method, and no reserved
 * env key among ENV ones. `toInputPath` maps an error path relative to `credentials` (e.g.
 * `['envVars', '0', 'key']`) to the input's. Returns the values to seal.
 */
export function requireValidCredentials(
  method: AuthMethod,
  credentials: CredentialsInput,
  toInputPath: (path: string[]) => string[] = (path) => ['input', 'credentials', ...path],
): CredentialValue[] {
  const errors = validateCredentials(method, credentials);
  if (errors.length) {
    const fieldErrors = errors.map((error) => ({ ...error, path: toInputPath(error.path) }));
    throw new ValidationError(`The credentials are not valid for ${method}`, { code: ErrorCode.INVALID_CREDENTIALS, fieldErrors });
  }
  const values = credentialValues(method, credentials);
  // Only ENV keys are chosen by the caller; the storage methods' env var names are fixed (and none is reserved).
  if (method === 'ENV_VARS')
    refuseReservedKeys(values.map(({ envVar }, index) => ({ key: envVar, path: toInputPath(['envVars', String(index), 'key']) })));
  return values;
}

/** CREDENTIALS_NOT_ALLOWED: an EXTERNAL_VAULT secret is rotated in its vault; no credentials are stored here. */
export function requireRotatableHere(storage: Storage): void {
  if (storage !== 'NATIVE')
    throw ruleError(ErrorCode.CREDENTIALS_NOT_ALLOWED, ['credentials'], 'An EXTERNAL_VAULT secret is rotated in its vault, not here');
}

/** CREDENTIALS_NOT_ALLOWED, for `cli run`: only a secret whose values are stored here can be injected. */
export function requireInjectable(secret: { storage: Storage; payload_version: number | null }): void {
  if (secret.storage === 'NATIVE' && secret.payload_version !== null) return;
  throw new ValidationError(
    'This secret reads its credentials from an external vault: they must be fetched from the vault, cloakroom holds no value to inject',
    {
      code: ErrorCode.CREDENTIALS_NOT_ALLOWED,
    },
  );
}

/**
 * SECRET_NOT_SHARED: a location is the team's, so every member must be able to see the secret
 * behind it: a PRIVATE secret cannot be linked (`secretId`), a linked one cannot go PRIVATE (`shared`).
 */
export function requireSharedIfLinked(secret: { visibility: Visibility; linked: boolean }, changing: 'secretId' | 'shared'): void {
  if (secret.visibility === 'TEAM' || !secret.linked) return;
  throw changing === 'secretId'
    ? ruleError(ErrorCode.SECRET_NOT_SHARED, ['secretId'], 'A location needs a TEAM secret, not a PRIVATE one')
    : ruleError(ErrorCode.SECRET_NOT_SHARED, ['shared'], 'Locations use this secret: it must stay shared with the team');
}

/** WORKSPACES_REQUIRED: workspaceAccess SOME names at least one workspace. */
export function requireWorkspaceList<Id extends string | null>(allowed: readonly Id[] | null | undefined): readonly Id[] {
  if (allowed?.length) return allowed;
  throw ruleError(ErrorCode.WORKSPACES_REQUIRED, ['allowedWorkspaces'], 'workspaceAccess SOME needs at least one allowed workspace');
}

/**
 * UNKNOWN_WORKSPACE: every allowed workspace is one of the team's. `ids` are the decoded ids in
 * input order (null: not a workspace id), `known` those of them the team has. Returns them once each.
 */
export function requireTeamWorkspaces(ids: readonly (string | null)[], known: ReadonlySet<string>): string[] {
  const errors = ids.flatMap((id, index) =>
    id && known.has(id)
      ? []
      : [
          {
            path: ['input', 'allowedWorkspaces', String(index)],
            message: 'Not a workspace of this team',
            code: ErrorCode.UNKNOWN_WORKSPACE,
          },
        ],
  );
  if (errors.length)
    throw new ValidationError('allowedWorkspaces must be workspaces of the team', {
      code: ErrorCode.UNKNOWN_WORKSPACE,
      fieldErrors: errors,
    });
  return [...new Set(ids.filter((id) => id !== null))];
}

/** The fields of a create that a preset fills in or conflicts with. */
export type PresetInput = OptionalFields<{
  name: string;
  secretType: SecretType;
  credentials: CredentialsInput;
  vaultConnectionId: string;
  serviceSlug: string;
  /** A preset's slug: with `value`, makes an ENV secret whose key is the preset's env var. */
  preset: string;
  value: string;
}>;

/**
 * UNKNOWN_PRESET, PRESET_CONFLICT: `preset` + `value` is shorthand for an ENV secret named after,
 * and keyed by, the preset's single env var; returns the input with that filled in.
 */
export function expandPreset<I extends PresetInput>(input: I): I {
  if (input.preset == null && input.value == null) return input;
  const preset = input.preset == null ? undefined : findPreset(input.preset);
  if (!preset) throw ruleError(ErrorCode.UNKNOWN_PRESET, ['preset'], 'Give a preset listed by secretPresets together with value');
  if (preset.envVars.length !== 1 || input.value == null) {
    throw ruleError(
      ErrorCode.PRESET_CONFLICT,
      ['value'],
      `The ${preset.slug} preset takes ${preset.envVars.length === 1 ? 'a value' : 'credentials, not a single value'}`,
    );
  }
  if (input.credentials || input.vaultConnectionId || (input.secretType && input.secretType !== 'ENV')) {
    throw ruleError(
      ErrorCode.PRESET_CONFLICT,
      ['preset'],
      'A preset with a value makes an ENV secret: leave out credentials, vaultConnectionId and other secret types',
    );
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

/** VALIDATION_FAILED: a create names its secret and its type unless a preset gave them. */
export function requireNameAndType<I extends PresetInput>(input: I): I & { name: string; secretType: SecretType } {
  const { name, secretType } = input;
  if (!name) throw ruleError(ErrorCode.VALIDATION_FAILED, ['name'], 'A name is required (it may be omitted only with a preset)');
  if (!secretType)
    throw ruleError(ErrorCode.VALIDATION_FAILED, ['secretType'], 'A secretType is required (it may be omitted only with a preset)');
  return { ...input, name, secretType };
}

/** What an update asks of an ENV secret's values, for `requireEnvEditsAlone`. */
export interface EnvEdits {
  values: boolean;
  keyEdits: boolean;
  /** The key operation errors point at: the first the input gives. */
  keyOpsField: 'renameKeys' | 'removeKeys' | 'addValues';
  credentials: boolean;
  typeChanged: boolean;
  methodChanged: boolean;
}

/**
 * ENV_ONLY, VALUES_AND_KEY_OPERATIONS_EXCLUSIVE: `values` and key operations edit a NATIVE ENV
 * secret's keys; `values` replaces them all, alone; key operations edit the current keys, so
 * not together with new credentials or a change of type or method.
 */
export function requireEnvEditsAlone(secret: { secretType: SecretType; storage: Storage }, edits: EnvEdits): void {
  if ((edits.values || edits.keyEdits) && (secret.secretType !== 'ENV' || secret.storage !== 'NATIVE')) {
    throw ruleError(
      ErrorCode.ENV_ONLY,
      [edits.values ? 'values' : edits.keyOpsField],
      'values and key operations apply to ENV secrets only',
    );
  }
  if (edits.values && (edits.keyEdits || edits.credentials)) {
    throw ruleError(
      ErrorCode.VALUES_AND_KEY_OPERATIONS_EXCLUSIVE,
      ['values'],
      'values replaces every key: give it alone, without credentials or key operations',
    );
  }
  if (edits.keyEdits && (edits.credentials || edits.typeChanged || edits.methodChanged)) {
    throw ruleError(
      ErrorCode.VALUES_AND_KEY_OPERATIONS_EXCLUSIVE,
      [edits.keyOpsField],
      'Key operations edit the current keys: give them without credentials or a type change',
    );
  }
}

/** RESERVED_ENV_KEY for key operations: judged on the keys they bring in, before any value is read. */
export function refuseReservedKeyEdits(ops: KeyOperations): void {
  refuseReservedKeys([
    ...(ops.renameKeys ?? []).map(({ to }, index) => ({ key: to, path: ['input', 'renameKeys', String(index), 'to'] })),
    ...(ops.addValues ?? []).map(({ key }, index) => ({ key, path: ['input', 'addValues', String(index), 'key'] })),
  ]);
}

/**
 * INVALID_KEY_OPERATIONS: the operations apply to the stored pairs, all or nothing; RESERVED_ENV_KEY:
 * a key stored before that rule may not be carried into a new version either (remove or rename it in
 * the same update). Returns the edited pairs.
 */
export function requireApplicableKeyOperations(pairs: readonly EnvPair[], ops: KeyOperations): EnvPair[] {
  const { pairs: edited, errors } = applyKeyOperations(pairs, ops);
  if (errors.length)
    throw new ValidationError('The key operations cannot be applied; nothing was changed', {
      code: ErrorCode.INVALID_KEY_OPERATIONS,
      fieldErrors: errors,
    });
  refuseReservedKeys(
    edited.map(({ key }) => ({
      key,
      path: ['input', 'removeKeys'],
      message: `The stored key ${key} is reserved: remove it or rename it in this update`,
    })),
  );
  return edited;
}

/** INVALID_FIELD_MAPPINGS: every field of the method mapped once, to a reference valid for the vault. */
export function requireValidFieldMappings(
  method: AuthMethod,
  vaultType: VaultType,
  mappings: readonly FieldMappingInput[],
): FieldMapping[] {
  const errors = validateFieldMappings(method, vaultType, mappings);
  if (errors.length) {
    const fieldErrors: FieldError[] = errors.map((error) => ({ ...error, path: ['input', ...error.path] }));
    throw new ValidationError(`The field mappings do not fit ${method} on a ${vaultType} vault`, {
      code: ErrorCode.INVALID_FIELD_MAPPINGS,
      fieldErrors,
    });
  }
  return mappings.map(({ fieldName, reference }) => ({ fieldName, reference }));
}

/**
 * RESERVED_ENV_KEY: no version of a secret may hold a key that `cli run` must not inject
 * (reserved-env-keys.ts). One fieldError per reserved key, at the path that brings it in.
 */
function refuseReservedKeys(keys: readonly { key: string; path: string[]; message?: string }[]): void {
  const fieldErrors = keys
    .filter(({ key }) => isReservedEnvKey(key))
    .map(({ key, path, message }) => ({
      path,
      code: ErrorCode.RESERVED_ENV_KEY,
      message: message ?? `${key} is reserved: it changes how programs are loaded or run, or configures cloakroom`,
    }));
  if (!fieldErrors.length) return;
  const names = [...new Set(keys.filter(({ key }) => isReservedEnvKey(key)).map(({ key }) => key))].join(', ');
  throw new ValidationError(`Reserved env keys cannot be stored (cli run would not inject them): ${names}`, {
    code: ErrorCode.RESERVED_ENV_KEY,
    fieldErrors,
  });
}

/**
 * VALIDATION_FAILED: an `expiresAt` that is set (or changed) must lie in the future; an expiry
 * already past would store a secret that is dead on arrival, which is a mistake, never a wish.
 */
export function requireFutureExpiry(expiresAt: Date, now: Date): void {
  if (expiresAt > now) return;
  throw ruleError(ErrorCode.VALIDATION_FAILED, ['expiresAt'], 'expiresAt must be in the future (null: never expires)');
}

/** SECRET_EXPIRED, for `cli run`: an expired secret is not injected. */
export function refuseExpired(expiresAt: Date): never {
  throw new ConflictError(
    `This secret expired at ${expiresAt.toISOString()}: set a later expiresAt (updateSecret) to use it again; nothing was run`,
    ErrorCode.SECRET_EXPIRED,
  );
}

/** RESERVED_ENV_KEY, for `cli run`: a secret stored before the write rule with these reserved keys is not injected. */
export function refuseStoredReservedKeys(reserved: readonly string[]): never {
  throw new ValidationError(
    `This secret holds reserved env keys that cli run will not inject: ${reserved.join(', ')}. Rename or remove them (updateSecret renameKeys/removeKeys); nothing was run`,
    { code: ErrorCode.RESERVED_ENV_KEY },
  );
}

/** The stages a version may hold (DESIGN §6.1); each on at most one version of a secret, CURRENT on exactly one. */
export const SECRET_VERSION_STAGES = ['CURRENT', 'PENDING', 'PREVIOUS'] as const;
export type SecretVersionStage = (typeof SECRET_VERSION_STAGES)[number];

/** What the stage rules read of a secret: its auth method, its storage and which version holds each stage. */
export interface StagedSecret {
  storage: Storage;
  auth_method: string;
  payload_version: number | null;
  pending_version: number | null;
}

/** What the stage rules read of a version. */
export interface StagedVersion {
  version: number;
  auth_method: string;
  destroyed_at: Date | null;
}

/** NOT_FOUND: a version number the secret does not have is answered like an unknown id. */
export function requireVersion<V>(version: V | undefined, number: number): V {
  if (version) return version;
  throw new NotFoundError(`This secret has no version ${number}`);
}

/** VALIDATION_FAILED: a rotation's new version becomes CURRENT (the default) or PENDING, never PREVIOUS. */
export function requireRotationStage(stage: SecretVersionStage | null | undefined): 'CURRENT' | 'PENDING' {
  if (stage == null || stage === 'CURRENT') return 'CURRENT';
  if (stage === 'PENDING') return stage;
  throw ruleError(ErrorCode.VALIDATION_FAILED, ['stage'], 'A rotation stages its version as CURRENT or PENDING, not PREVIOUS');
}

/** ROTATION_IN_PROGRESS: one PENDING version at a time; promote or cancel it before staging another. */
export function requireNoRotationInProgress(secret: StagedSecret): void {
  if (secret.pending_version === null) return;
  throw new ConflictError(
    `Version ${secret.pending_version} is PENDING: promote it (promoteSecretVersion) or cancel it (cancelSecretRotation) first`,
    ErrorCode.ROTATION_IN_PROGRESS,
  );
}

/** NO_ROTATION_IN_PROGRESS: cancelling needs a PENDING version. Returns it. */
export function requireRotationInProgress(secret: StagedSecret): number {
  if (secret.pending_version !== null) return secret.pending_version;
  throw new ConflictError('This secret has no PENDING version to cancel', ErrorCode.NO_ROTATION_IN_PROGRESS);
}

/**
 * VERSION_DESTROYED, VERSION_NOT_RESTORABLE: only a version that still holds its payload, sealed
 * for the secret's current auth method in this store, can hold CURRENT again (restore, promote).
 */
export function requireRestorable(secret: StagedSecret, version: StagedVersion): void {
  if (version.destroyed_at)
    throw new ConflictError(`Version ${version.version} was destroyed: its credentials are gone for good`, ErrorCode.VERSION_DESTROYED);
  if (secret.storage !== 'NATIVE')
    throw new ConflictError(
      'An EXTERNAL_VAULT secret keeps its credentials in its vault: there is no stored version to bring back',
      ErrorCode.VERSION_NOT_RESTORABLE,
    );
  if (version.auth_method !== secret.auth_method)
    throw new ConflictError(
      `Version ${version.version} holds ${version.auth_method} credentials, not ${secret.auth_method}: it cannot become CURRENT`,
      ErrorCode.VERSION_NOT_RESTORABLE,
    );
}

/**
 * The rules of promotion, all here (the verification gate joins them): VERSION_ALREADY_CURRENT,
 * then those of `requireRestorable`. `force` is accepted (ADMIN/OWNER, checked by the service)
 * and will skip the gate.
 */
export function requirePromotable(secret: StagedSecret, version: StagedVersion): void {
  if (version.version === secret.payload_version)
    throw new ConflictError(`Version ${version.version} is already CURRENT`, ErrorCode.VERSION_ALREADY_CURRENT);
  requireRestorable(secret, version);
}

/**
 * VERIFICATION_REQUIRED (the promotion gate, DESIGN §6.2): every location linked to the secret must
 * have PASSED a verification of the version since it was staged; `force` (recorded in the audit
 * event) skips the gate.
 */
export function requireVerifiedEverywhere(unverifiedLocations: number, version: number): void {
  if (unverifiedLocations > 0) {
    throw new ConflictError(
      `${unverifiedLocations} linked location(s) have not passed a verification of version ${version} since it was staged: run verifySecret with version ${version}, or promote with force`,
      ErrorCode.VERIFICATION_REQUIRED,
    );
  }
}

/** VERSION_IN_USE, VERSION_DESTROYED: the CURRENT and PENDING versions keep their payload; a version is destroyed once. */
export function requireDestroyable(secret: StagedSecret, version: StagedVersion): void {
  const stage = version.version === secret.payload_version ? 'CURRENT' : version.version === secret.pending_version ? 'PENDING' : null;
  if (stage)
    throw new ConflictError(
      `Version ${version.version} is ${stage}: ${stage === 'CURRENT' ? 'promote or restore another version' : 'cancel the rotation'} first`,
      ErrorCode.VERSION_IN_USE,
    );
  if (version.destroyed_at) throw new ConflictError(`Version ${version.version} is already destroyed`, ErrorCode.VERSION_DESTROYED);
}
