/**
 * EXTERNAL_VAULT field mappings (DESIGN §3 "Storage of a secret's credentials"): which vaults
 * exist, the shape of each vault's references, and the check that every credential field of
 * the auth method (from the catalogue) is mapped exactly once. Pure functions, no I/O.
 *
 * Messages never quote a reference or an unknown field name.
 */
import type { FieldError } from '../../errors.ts';
import { fieldError } from './credential-checks.ts';
import { credentialFieldsFor, secretTypeOf, supportsExternalVault, type AuthMethod } from './provider-catalogue.ts';

/** The external vaults a secret's fields can be mapped to. */
export const VAULT_TYPES = ['ONEPASSWORD', 'DOPPLER', 'INFISICAL'] as const;
export type VaultType = (typeof VAULT_TYPES)[number];

/** One external-vault mapping: which vault reference supplies which credential field. */
export interface FieldMappingInput {
  fieldName: string;
  reference: string;
}

const VAULT_REFERENCE_MAX_LENGTH = 1024;

/** Type guard for values read from the database or other untyped sources. */
export function isVaultType(value: unknown): value is VaultType {
  return (VAULT_TYPES as readonly unknown[]).includes(value);
}

const DOPPLER_NAME = /^[A-Z_][A-Z0-9_]*$/;
// `NAME`, `/NAME` or `/folder/sub-folder/NAME`.
const INFISICAL_REFERENCE = /^(?:(?:\/[A-Za-z0-9_.-]+)*\/)?[A-Z_][A-Z0-9_]*$/;
const VAULT_REFERENCE_SHAPES: Record<VaultType, string> = {
  ONEPASSWORD: 'a 1Password secret reference: op://vault/item/field or op://vault/item/section/field',
  DOPPLER: 'a Doppler secret name: uppercase letters, digits and "_", not starting with a digit',
  INFISICAL: 'an Infisical secret name (uppercase letters, digits and "_"), optionally after a path: /folder/NAME',
};

/** Whether a reference has the vault's shape (DESIGN §3 "Storage of a secret's credentials"). */
export function isValidVaultReference(vaultType: VaultType, reference: string): boolean {
  switch (vaultType) {
    case 'ONEPASSWORD': {
      if (!reference.startsWith('op://')) return false;
      const segments = reference.slice('op://'.length).split('/');
      return (
        (segments.length === 3 || segments.length === 4) &&
        segments.every((segment) => segment !== '' && segment === segment.trim() && !/[\u0000-\u001F\u007F]/.test(segment))
      );
    }
    case 'DOPPLER':
      return DOPPLER_NAME.test(reference);
    case 'INFISICAL':
      return INFISICAL_REFERENCE.test(reference);
    default:
      return false;
  }
}

/**
 * Validates an EXTERNAL_VAULT secret's `fieldMappings` (→ `INVALID_FIELD_MAPPINGS`): every
 * field of the auth method mapped exactly once, no unknown field names, each reference in the
 * vault's shape. Paths start at `fieldMappings` (e.g. `['fieldMappings', '0', 'reference']`).
 * ENV_VARS secrets cannot use a vault at all (`ENV_SECRETS_ARE_NATIVE`).
 */
export function validateFieldMappings(method: AuthMethod, vaultType: VaultType, mappings: readonly FieldMappingInput[]): FieldError[] {
  if (!supportsExternalVault(secretTypeOf(method))) {
    return [
      fieldError(
        ['fieldMappings'],
        'ENV_SECRETS_ARE_NATIVE',
        'ENV secrets are stored natively; they cannot map fields to an external vault',
      ),
    ];
  }
  const expected = credentialFieldsFor(method).map((field) => field.name);
  const errors: FieldError[] = [];
  const mapped = new Map<string, number>();
  (Array.isArray(mappings) ? mappings : []).forEach((mapping, index) => {
    const path = ['fieldMappings', String(index)];
    const fieldName: unknown = mapping?.fieldName;
    const reference: unknown = mapping?.reference;
    if (typeof fieldName !== 'string' || fieldName === '') {
      errors.push(fieldError([...path, 'fieldName'], 'REQUIRED', 'fieldName is required'));
    } else if (!expected.includes(fieldName)) {
      errors.push(
        fieldError(
          [...path, 'fieldName'],
          'UNKNOWN_FIELD',
          `fieldName is not a field of ${method}; expected one of: ${expected.join(', ')}`,
        ),
      );
    } else if (mapped.has(fieldName)) {
      errors.push(
        fieldError([...path, 'fieldName'], 'DUPLICATE_FIELD', `${fieldName} is already mapped by fieldMappings[${mapped.get(fieldName)}]`),
      );
    } else {
      mapped.set(fieldName, index);
    }
    if (typeof reference !== 'string' || reference.trim() === '') {
      errors.push(fieldError([...path, 'reference'], 'REQUIRED', 'reference is required'));
    } else if (reference.length > VAULT_REFERENCE_MAX_LENGTH) {
      errors.push(fieldError([...path, 'reference'], 'TOO_LONG', `reference must be at most ${VAULT_REFERENCE_MAX_LENGTH} characters`));
    } else if (!isValidVaultReference(vaultType, reference)) {
      errors.push(fieldError([...path, 'reference'], 'INVALID_REFERENCE', `reference must be ${VAULT_REFERENCE_SHAPES[vaultType]}`));
    }
  });
  for (const name of expected) {
    if (!mapped.has(name))
      errors.push(
        fieldError(['fieldMappings'], 'FIELD_NOT_MAPPED', `${name} is not mapped; ${method} needs every one of: ${expected.join(', ')}`),
      );
  }
  return errors;
}
