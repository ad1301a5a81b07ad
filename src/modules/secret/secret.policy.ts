import type { FieldMapping } from './secret.tables.ts';
import { ConflictError, ErrorCode, ValidationError, type FieldError } from '../../errors.ts';
import { validateFieldMappings, type FieldMappingInput, type VaultType } from './field-mapping-references.ts';
import { isAuthMethodValidFor, supportsExternalVault, type AuthMethod, type CredentialsInput, type SecretType } from './provider-catalogue.ts';
import { isReservedEnvKey } from './reserved-env-keys.ts';

/**
 * The rules of DESIGN §3 that secrets and locations answer to, one function each, named by the
 * error code it throws (search the code to find the rule). The services call these inside their
 * transactions, under the locks that make them hold under concurrency; they read nothing
 * themselves. `path`s are relative to the mutation's `input`.
 */

export type Storage = 'NATIVE' | 'EXTERNAL_VAULT';

export function ruleError(code: ErrorCode, path: string[], message: string): ValidationError {
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
    ? ruleError(ErrorCode.LOCATION_TYPE_MISMATCH, ['secretId'], `A ${pair.locationType} location needs a ${pair.locationType} secret, not ${pair.secretType}`)
    : ruleError(ErrorCode.LOCATION_TYPE_MISMATCH, ['secretType'], `Linked locations are of type ${pair.locationType}, not ${pair.secretType}: relink or delete them first`);
}

/** SECRET_IN_USE: a secret that locations use cannot be deleted. */
export function requireNotInUse(locationCount: number): void {
  if (locationCount > 0) throw new ConflictError(`${locationCount} location(s) use this secret: relink or delete them first`, ErrorCode.SECRET_IN_USE);
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

/** AUTH_METHOD_INVALID_FOR_TYPE, for EXTERNAL_VAULT secrets: their type must be one a vault can hold. */
export function requireVaultableType(storage: Storage, type: SecretType): void {
  if (storage === 'EXTERNAL_VAULT' && !supportsExternalVault(type)) {
    throw ruleError(ErrorCode.AUTH_METHOD_INVALID_FOR_TYPE, ['secretType'], `${type} secrets cannot read from an external vault`);
  }
}

/**
 * CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE, CREDENTIALS_NOT_ALLOWED, FIELD_MAPPINGS_NOT_ALLOWED:
 * which of credentials / fieldMappings a secret of this storage may take.
 */
export function requireCredentialSource(storage: Storage, input: { credentials?: CredentialsInput | null; fieldMappings?: readonly FieldMappingInput[] | null }): void {
  if (input.credentials && input.fieldMappings) {
    throw ruleError(ErrorCode.CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE, ['fieldMappings'], 'Give credentials or fieldMappings, not both');
  }
  if (storage === 'EXTERNAL_VAULT' && input.credentials) {
    throw ruleError(ErrorCode.CREDENTIALS_NOT_ALLOWED, ['credentials'], 'An EXTERNAL_VAULT secret reads its credentials from the vault: give fieldMappings instead');
  }
  if (storage === 'NATIVE' && input.fieldMappings) {
    throw ruleError(ErrorCode.FIELD_MAPPINGS_NOT_ALLOWED, ['fieldMappings'], 'A NATIVE secret stores its credentials here: give credentials instead');
  }
}

/** INVALID_FIELD_MAPPINGS: every field of the method mapped once, to a reference valid for the vault. */
export function requireValidFieldMappings(method: AuthMethod, vaultType: VaultType, mappings: readonly FieldMappingInput[]): FieldMapping[] {
  const errors = validateFieldMappings(method, vaultType, mappings);
  if (errors.length) {
    const fieldErrors: FieldError[] = errors.map((error) => ({ ...error, path: ['input', ...error.path] }));
    throw new ValidationError(`The field mappings do not fit ${method} on a ${vaultType} vault`, { code: ErrorCode.INVALID_FIELD_MAPPINGS, fieldErrors });
  }
  return mappings.map(({ fieldName, reference }) => ({ fieldName, reference }));
}

/**
 * RESERVED_ENV_KEY: no version of a secret may hold a key that `cli run` must not inject
 * (reserved-env-keys.ts). One fieldError per reserved key, at the path that brings it in.
 */
export function refuseReservedKeys(keys: readonly { key: string; path: string[]; message?: string }[]): void {
  const fieldErrors = keys
    .filter(({ key }) => isReservedEnvKey(key))
    .map(({ key, path, message }) => ({ path, code: ErrorCode.RESERVED_ENV_KEY, message: message ?? `${key} is reserved: it changes how programs are loaded or run, or configures cloakroom` }));
  if (!fieldErrors.length) return;
  const names = [...new Set(keys.filter(({ key }) => isReservedEnvKey(key)).map(({ key }) => key))].join(', ');
  throw new ValidationError(`Reserved env keys cannot be stored (cli run would not inject them): ${names}`, { code: ErrorCode.RESERVED_ENV_KEY, fieldErrors });
}
