/**
 * The expected failures of the API. Services throw these; the Pothos errors plugin turns
 * them into members of each mutation's result union. Anything else is unexpected and is
 * masked by Yoga as INTERNAL_SERVER_ERROR.
 */

/** Stable, machine-readable error codes; clients switch on these, so never rename one. */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  VERSION_MISMATCH: 'VERSION_MISMATCH',
  NAME_TAKEN: 'NAME_TAKEN',
  SLUG_TAKEN: 'SLUG_TAKEN',
  LAST_OWNER: 'LAST_OWNER',
  ALREADY_MEMBER: 'ALREADY_MEMBER',
  ALREADY_INVITED: 'ALREADY_INVITED',
  VAULT_CONNECTION_IN_USE: 'VAULT_CONNECTION_IN_USE',
  // DESIGN §3 rules, one code each
  LOCATION_TYPE_MISMATCH: 'LOCATION_TYPE_MISMATCH',
  AUTH_METHOD_INVALID_FOR_TYPE: 'AUTH_METHOD_INVALID_FOR_TYPE',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  CREDENTIALS_REQUIRED: 'CREDENTIALS_REQUIRED',
  FIELD_MAPPINGS_REQUIRED: 'FIELD_MAPPINGS_REQUIRED',
  CREDENTIALS_NOT_ALLOWED: 'CREDENTIALS_NOT_ALLOWED',
  FIELD_MAPPINGS_NOT_ALLOWED: 'FIELD_MAPPINGS_NOT_ALLOWED',
  CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE: 'CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE',
  INVALID_FIELD_MAPPINGS: 'INVALID_FIELD_MAPPINGS',
  SECRET_IN_USE: 'SECRET_IN_USE',
  ENV_ONLY: 'ENV_ONLY',
  VALUES_AND_KEY_OPERATIONS_EXCLUSIVE: 'VALUES_AND_KEY_OPERATIONS_EXCLUSIVE',
  INVALID_KEY_OPERATIONS: 'INVALID_KEY_OPERATIONS',
  UNKNOWN_PRESET: 'UNKNOWN_PRESET',
  PRESET_CONFLICT: 'PRESET_CONFLICT',
  WORKSPACES_REQUIRED: 'WORKSPACES_REQUIRED',
  UNKNOWN_WORKSPACE: 'UNKNOWN_WORKSPACE',
  SECRET_NOT_SHARED: 'SECRET_NOT_SHARED',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** An ENV key that changes how programs are loaded or run, or configures cloakroom (reserved-env-keys.ts). */
  RESERVED_ENV_KEY: 'RESERVED_ENV_KEY',
  /**
   * The sealed payload of the secret's current version is not in the database (its version row
   * was lost, e.g. to a partial restore): nothing can be read from it; rotateSecret stores new
   * credentials without reading the old ones.
   */
  PAYLOAD_MISSING: 'PAYLOAD_MISSING',
  /** `cli run` of a secret whose `expiresAt` has come: nothing is injected, nothing runs. */
  SECRET_EXPIRED: 'SECRET_EXPIRED',
  /** verifyLocation/verifySecret while the team already runs as many verifications as it may (2); retry when one ends. */
  TOO_MANY_VERIFICATIONS: 'TOO_MANY_VERIFICATIONS',
  /** verifyLocation/verifySecret of an EXTERNAL_VAULT secret: its values are in the vault, not here, so there is nothing to verify with. */
  NOT_VERIFIABLE: 'NOT_VERIFIABLE',
  /** `promoteSecretVersion` before every linked location has PASSED a verification of that version since it was staged (`force` skips it). */
  VERIFICATION_REQUIRED: 'VERIFICATION_REQUIRED',
  /** `rotateSecret(stage: PENDING)` while a PENDING version exists: promote or cancel it first. */
  ROTATION_IN_PROGRESS: 'ROTATION_IN_PROGRESS',
  /** `cancelSecretRotation` with no PENDING version to cancel. */
  NO_ROTATION_IN_PROGRESS: 'NO_ROTATION_IN_PROGRESS',
  /** `promoteSecretVersion` of the version that is already CURRENT. */
  VERSION_ALREADY_CURRENT: 'VERSION_ALREADY_CURRENT',
  /** The version's payload was erased by `destroySecretVersion`: it cannot be promoted, restored or injected. */
  VERSION_DESTROYED: 'VERSION_DESTROYED',
  /** The version's credentials are not for the secret's current auth method (or are kept in a vault): they cannot become CURRENT. */
  VERSION_NOT_RESTORABLE: 'VERSION_NOT_RESTORABLE',
  /** `destroySecretVersion` of the CURRENT or PENDING version. */
  VERSION_IN_USE: 'VERSION_IN_USE',
  /**
   * The secret is scheduled for deletion (`deleteSecret` with a recovery window): nothing but
   * `restoreSecret` changes it, no location may use it, `cli run` refuses it.
   */
  SECRET_DELETED: 'SECRET_DELETED',
  /** `restoreSecret` of a secret that is not scheduled for deletion: there is nothing to restore. */
  SECRET_NOT_DELETED: 'SECRET_NOT_DELETED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One problem with one input field; `path` starts at the argument name, e.g. ["input", "name"]. */
export interface FieldError {
  path: string[];
  message: string;
  code: string;
}

/** Base of every expected failure: a message for people and a stable code for programs. */
export abstract class AppError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

/** The input breaks a rule; `fieldErrors` says which fields and why. */
export class ValidationError extends AppError {
  override name = 'ValidationError';
  readonly fieldErrors: FieldError[];
  constructor(message: string, options: { code?: string; fieldErrors?: FieldError[] } = {}) {
    super(message, options.code ?? ErrorCode.VALIDATION_FAILED);
    this.fieldErrors = options.fieldErrors ?? [];
  }

  /** A validation error about a single field, its code doubling as the error's code. */
  static forField(path: string[], message: string, code: string): ValidationError {
    return new ValidationError(message, { code, fieldErrors: [{ path, message, code }] });
  }
}

/** The object does not exist, or belongs to a team the viewer cannot see (indistinguishable on purpose). */
export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message = 'Not found') {
    super(message, ErrorCode.NOT_FOUND);
  }
}

/** The viewer can see the object but their role does not allow this action. */
export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(message = 'Your role does not allow this action') {
    super(message, ErrorCode.FORBIDDEN);
  }
}

/** The change conflicts with the current state: a stale version, a taken name, a last owner. */
export class ConflictError extends AppError {
  override name = 'ConflictError';
}
