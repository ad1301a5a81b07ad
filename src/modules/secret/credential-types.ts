/**
 * The single source of truth for secret types, auth methods and their credential fields
 * (DESIGN §3): which methods each type accepts, which fields each method takes (name, GraphQL
 * input field, conventional env var, `@oneOf` member), how credentials and external-vault
 * field mappings are validated, and how values are masked. The schema, the service and the
 * tests all import from here. Pure functions, no I/O.
 *
 * Messages never contain the value that was given: credentials are secrets, so an error says
 * what is wrong, not what was sent.
 */
import type { FieldError } from '../../errors.ts';

// ---------------------------------------------------------------------------------------------
// Secret types and auth methods

/** Every secret type, in display order. */
export const SECRET_TYPES = [
  'S3',
  'R2',
  'WASABI',
  'RAILWAY',
  'ORACLE_OBJECT_STORAGE_S3',
  'S3_COMPATIBLE',
  'TIGRIS',
  'DIGITALOCEAN_SPACES',
  'HETZNER',
  'RABATA',
  'AZURE_BLOB',
  'GCS',
  'B2',
  'ENV',
] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

/** The secret types authenticated by an S3-style access key pair (one `<TYPE>_ACCESS_KEY` method each). */
export const S3_STYLE_SECRET_TYPES = [
  'S3',
  'R2',
  'WASABI',
  'RAILWAY',
  'ORACLE_OBJECT_STORAGE_S3',
  'S3_COMPATIBLE',
  'TIGRIS',
  'DIGITALOCEAN_SPACES',
  'HETZNER',
  'RABATA',
] as const satisfies readonly SecretType[];
export type S3StyleSecretType = (typeof S3_STYLE_SECRET_TYPES)[number];

/** Every auth method, in display order. */
export const AUTH_METHODS = [
  'S3_ACCESS_KEY',
  'R2_ACCESS_KEY',
  'WASABI_ACCESS_KEY',
  'RAILWAY_ACCESS_KEY',
  'ORACLE_OBJECT_STORAGE_S3_ACCESS_KEY',
  'S3_COMPATIBLE_ACCESS_KEY',
  'TIGRIS_ACCESS_KEY',
  'DIGITALOCEAN_SPACES_ACCESS_KEY',
  'HETZNER_ACCESS_KEY',
  'RABATA_ACCESS_KEY',
  'AZURE_ACCOUNT_KEY',
  'AZURE_SAS_URL',
  'GCS_SERVICE_ACCOUNT',
  'B2_APPLICATION_KEY',
  'ENV_VARS',
] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** The members of the `@oneOf` credentials input, one per credential shape. */
export const CREDENTIALS_INPUT_MEMBERS = ['accessKey', 'azureAccountKey', 'azureSasUrl', 'gcsServiceAccount', 'b2ApplicationKey', 'envVars'] as const;
export type CredentialsInputMember = (typeof CREDENTIALS_INPUT_MEMBERS)[number];

/** The external vaults a secret's fields can be mapped to. */
export const VAULT_TYPES = ['ONEPASSWORD', 'DOPPLER', 'INFISICAL'] as const;
export type VaultType = (typeof VAULT_TYPES)[number];

/** Snake-case names of the fixed credential fields, as stored and as used in `fieldMappings`. */
export type CredentialFieldName =
  | 'access_key_id'
  | 'secret_access_key'
  | 'account_name'
  | 'account_key'
  | 'sas_url'
  | 'service_account_json'
  | 'application_key_id'
  | 'application_key';

/** One fixed credential field of an auth method. */
export interface CredentialField {
  /** Snake-case name (`access_key_id`): the stored name and the `fieldName` of a vault mapping. */
  name: CredentialFieldName;
  /** Field of the `@oneOf` member's input object (`accessKeyId`). */
  inputField: string;
  /** Conventional environment variable (`AWS_ACCESS_KEY_ID`); listed in `envVarKeys`. */
  envVar: string;
  /** One line for the GraphQL schema: what the field holds and its accepted shape. */
  description: string;
}

/** The GraphQL `credentials` input: a `@oneOf` object, so exactly one member is set. */
export interface CredentialsInput {
  accessKey?: { accessKeyId: string; secretAccessKey: string } | null;
  azureAccountKey?: { accountName: string; accountKey: string } | null;
  azureSasUrl?: { sasUrl: string } | null;
  gcsServiceAccount?: { serviceAccountJson: string } | null;
  b2ApplicationKey?: { applicationKeyId: string; applicationKey: string } | null;
  envVars?: readonly { key: string; value: string }[] | null;
}

/** One external-vault mapping: which vault reference supplies which credential field. */
export interface FieldMappingInput {
  fieldName: string;
  reference: string;
}

/** Codes of the field errors produced here (the ValidationError around them carries its own code). */
export const CredentialErrorCode = {
  REQUIRED: 'REQUIRED',
  MULTIPLE_CREDENTIAL_MEMBERS: 'MULTIPLE_CREDENTIAL_MEMBERS',
  CREDENTIALS_MISMATCH_AUTH_METHOD: 'CREDENTIALS_MISMATCH_AUTH_METHOD',
  SURROUNDING_WHITESPACE: 'SURROUNDING_WHITESPACE',
  TOO_SHORT: 'TOO_SHORT',
  TOO_LONG: 'TOO_LONG',
  INVALID_FORMAT: 'INVALID_FORMAT',
  INVALID_BASE64: 'INVALID_BASE64',
  INVALID_URL: 'INVALID_URL',
  NOT_HTTPS: 'NOT_HTTPS',
  MISSING_SIGNATURE: 'MISSING_SIGNATURE',
  INVALID_JSON: 'INVALID_JSON',
  INVALID_SERVICE_ACCOUNT: 'INVALID_SERVICE_ACCOUNT',
  TOO_MANY_KEYS: 'TOO_MANY_KEYS',
  DUPLICATE_KEY: 'DUPLICATE_KEY',
  ENV_SECRETS_ARE_NATIVE: 'ENV_SECRETS_ARE_NATIVE',
  FIELD_NOT_MAPPED: 'FIELD_NOT_MAPPED',
  DUPLICATE_FIELD: 'DUPLICATE_FIELD',
  UNKNOWN_FIELD: 'UNKNOWN_FIELD',
  INVALID_REFERENCE: 'INVALID_REFERENCE',
} as const;
export type CredentialErrorCode = (typeof CredentialErrorCode)[keyof typeof CredentialErrorCode];

// ---------------------------------------------------------------------------------------------
// Limits

/** Env var keys: DESIGN §3 rule 9. */
export const ENV_KEY_PATTERN = /^[A-Z_][A-Z0-9_]*$/;
export const ENV_KEY_MAX_LENGTH = 128;
/** An env var value: at most 45,000 characters (rule 9). */
export const ENV_VALUE_MAX_LENGTH = 45_000;
/** Pairs per ENV secret; far above real bundles, it bounds the encrypted payload. */
export const ENV_VARS_MAX_COUNT = 200;
/** Service-account key files are ~2.3 KB; this leaves room without accepting junk. */
const SERVICE_ACCOUNT_JSON_MAX_LENGTH = 32_768;
const SAS_URL_MAX_LENGTH = 4096;
const VAULT_REFERENCE_MAX_LENGTH = 1024;

// ---------------------------------------------------------------------------------------------
// Field rules

/** One problem with one value: a stable code and a message that never quotes the value. */
export interface FieldProblem {
  code: CredentialErrorCode;
  message: string;
}

type Check = (label: string, value: string) => FieldProblem | null;

interface FieldSpec extends CredentialField {
  /** Surrounding whitespace is allowed and trimmed (pasted JSON files end in a newline). */
  trimmed: boolean;
  check: Check;
}

const PRINTABLE_NO_SPACE = /^[\x21-\x7E]+$/;

/** Length, then pattern: the first failed rule, or null. */
function textRule(options: { min: number; max: number; pattern?: RegExp; shape?: string }): Check {
  return (label, value) => {
    if (value.length > options.max) return { code: 'TOO_LONG', message: `${label} must be at most ${options.max} characters` };
    if (value.length < options.min) return { code: 'TOO_SHORT', message: `${label} must be at least ${options.min} characters` };
    if (options.pattern && !options.pattern.test(value)) return { code: 'INVALID_FORMAT', message: `${label} must be ${options.shape}` };
    return null;
  };
}

const checkAccessKeyId = textRule({
  min: 16,
  max: 128,
  // Letters and digits for AWS (20), R2 (32 hex), Oracle (40 hex), DigitalOcean/Wasabi/Hetzner (20);
  // `_` and `-` for prefixed ids such as Tigris' `tid_…`.
  pattern: /^[A-Za-z0-9_-]+$/,
  shape: 'letters, digits, "_" or "-" only',
});
const checkSecretAccessKey = textRule({ min: 16, max: 128, pattern: PRINTABLE_NO_SPACE, shape: 'printable ASCII without spaces' });
// Self-hosted S3-compatible servers (MinIO, Ceph, Garage) let operators choose short keys:
// MinIO accepts access keys from 3 and secret keys from 8 characters.
const checkCompatibleAccessKeyId = textRule({ min: 3, max: 128, pattern: PRINTABLE_NO_SPACE, shape: 'printable ASCII without spaces' });
const checkCompatibleSecretAccessKey = textRule({ min: 8, max: 128, pattern: PRINTABLE_NO_SPACE, shape: 'printable ASCII without spaces' });

const checkAzureAccountName = textRule({ min: 3, max: 24, pattern: /^[a-z0-9]+$/, shape: 'lowercase letters and digits only' });

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const checkAzureAccountKey: Check = (label, value) => {
  if (value.length > 512) return { code: 'TOO_LONG', message: `${label} must be at most 512 characters` };
  if (!BASE64.test(value) || value.length % 4 !== 0) return { code: 'INVALID_BASE64', message: `${label} must be base64 (an Azure storage account key)` };
  if (Buffer.from(value, 'base64').length < 32) return { code: 'TOO_SHORT', message: `${label} must decode to at least 32 bytes` };
  return null;
};

const checkSasUrl: Check = (label, value) => {
  if (value.length > SAS_URL_MAX_LENGTH) return { code: 'TOO_LONG', message: `${label} must be at most ${SAS_URL_MAX_LENGTH} characters` };
  const url = URL.parse(value);
  if (!url || !url.hostname) return { code: 'INVALID_URL', message: `${label} must be an absolute URL` };
  if (url.protocol !== 'https:') return { code: 'NOT_HTTPS', message: `${label} must use https` };
  if (!url.searchParams.get('sig')) return { code: 'MISSING_SIGNATURE', message: `${label} must carry a SAS signature (the "sig" query parameter)` };
  return null;
};

const EMAIL_LIKE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const checkServiceAccountJson: Check = (label, value) => {
  if (value.length > SERVICE_ACCOUNT_JSON_MAX_LENGTH) {
    return { code: 'TOO_LONG', message: `${label} must be at most ${SERVICE_ACCOUNT_JSON_MAX_LENGTH} characters` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // The parser's message quotes the input: never pass it on.
    return { code: 'INVALID_JSON', message: `${label} is not valid JSON` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { code: 'INVALID_JSON', message: `${label} must be a JSON object (a service-account key file)` };
  }
  const key = parsed as Record<string, unknown>;
  const nonEmpty = (property: string) => typeof key[property] === 'string' && (key[property] as string).trim() !== '';
  const problems: string[] = [];
  if (key.type !== 'service_account') problems.push('"type" must be "service_account"');
  if (!nonEmpty('client_email') || !EMAIL_LIKE.test(key.client_email as string)) problems.push('"client_email" must be an email address');
  if (!nonEmpty('private_key') || !(key.private_key as string).includes('PRIVATE KEY')) problems.push('"private_key" must be a PEM private key');
  if (!nonEmpty('project_id')) problems.push('"project_id" must be a non-empty string');
  if (problems.length > 0) {
    return { code: 'INVALID_SERVICE_ACCOUNT', message: `${label} is not a service-account key: ${problems.join('; ')}` };
  }
  return null;
};

const checkB2ApplicationKeyId = textRule({ min: 12, max: 64, pattern: /^[A-Za-z0-9]+$/, shape: 'letters and digits only' });
const checkB2ApplicationKey = textRule({ min: 16, max: 128, pattern: PRINTABLE_NO_SPACE, shape: 'printable ASCII without spaces' });

function accessKeyFields(compatible: boolean): FieldSpec[] {
  return [
    {
      name: 'access_key_id',
      inputField: 'accessKeyId',
      envVar: 'AWS_ACCESS_KEY_ID',
      description: 'Access key id.',
      trimmed: false,
      check: compatible ? checkCompatibleAccessKeyId : checkAccessKeyId,
    },
    {
      name: 'secret_access_key',
      inputField: 'secretAccessKey',
      envVar: 'AWS_SECRET_ACCESS_KEY',
      description: 'Secret access key.',
      trimmed: false,
      check: compatible ? checkCompatibleSecretAccessKey : checkSecretAccessKey,
    },
  ];
}

interface AuthMethodSpec {
  secretType: SecretType;
  member: CredentialsInputMember;
  /** Empty for ENV_VARS, whose keys are the caller's. */
  fields: readonly FieldSpec[];
}

function accessKeyMethod(type: S3StyleSecretType): AuthMethodSpec {
  return { secretType: type, member: 'accessKey', fields: accessKeyFields(type === 'S3_COMPATIBLE') };
}

const AUTH_METHOD_SPECS: Record<AuthMethod, AuthMethodSpec> = {
  S3_ACCESS_KEY: accessKeyMethod('S3'),
  R2_ACCESS_KEY: accessKeyMethod('R2'),
  WASABI_ACCESS_KEY: accessKeyMethod('WASABI'),
  RAILWAY_ACCESS_KEY: accessKeyMethod('RAILWAY'),
  ORACLE_OBJECT_STORAGE_S3_ACCESS_KEY: accessKeyMethod('ORACLE_OBJECT_STORAGE_S3'),
  S3_COMPATIBLE_ACCESS_KEY: accessKeyMethod('S3_COMPATIBLE'),
  TIGRIS_ACCESS_KEY: accessKeyMethod('TIGRIS'),
  DIGITALOCEAN_SPACES_ACCESS_KEY: accessKeyMethod('DIGITALOCEAN_SPACES'),
  HETZNER_ACCESS_KEY: accessKeyMethod('HETZNER'),
  RABATA_ACCESS_KEY: accessKeyMethod('RABATA'),
  AZURE_ACCOUNT_KEY: {
    secretType: 'AZURE_BLOB',
    member: 'azureAccountKey',
    fields: [
      {
        name: 'account_name',
        inputField: 'accountName',
        envVar: 'AZURE_STORAGE_ACCOUNT',
        description: 'Storage account name (3–24 lowercase letters and digits).',
        trimmed: false,
        check: checkAzureAccountName,
      },
      {
        name: 'account_key',
        inputField: 'accountKey',
        envVar: 'AZURE_STORAGE_KEY',
        description: 'Storage account access key (base64).',
        trimmed: false,
        check: checkAzureAccountKey,
      },
    ],
  },
  AZURE_SAS_URL: {
    secretType: 'AZURE_BLOB',
    member: 'azureSasUrl',
    fields: [
      {
        name: 'sas_url',
        inputField: 'sasUrl',
        envVar: 'AZURE_STORAGE_SAS_URL',
        description: 'https URL carrying a shared access signature (`sig` parameter).',
        trimmed: false,
        check: checkSasUrl,
      },
    ],
  },
  GCS_SERVICE_ACCOUNT: {
    secretType: 'GCS',
    member: 'gcsServiceAccount',
    fields: [
      {
        name: 'service_account_json',
        inputField: 'serviceAccountJson',
        envVar: 'GOOGLE_APPLICATION_CREDENTIALS_JSON',
        description: 'The JSON service-account key file (type, client_email, private_key, project_id).',
        trimmed: true,
        check: checkServiceAccountJson,
      },
    ],
  },
  B2_APPLICATION_KEY: {
    secretType: 'B2',
    member: 'b2ApplicationKey',
    fields: [
      {
        name: 'application_key_id',
        inputField: 'applicationKeyId',
        envVar: 'B2_APPLICATION_KEY_ID',
        description: 'Application key id (12–64 letters and digits).',
        trimmed: false,
        check: checkB2ApplicationKeyId,
      },
      {
        name: 'application_key',
        inputField: 'applicationKey',
        envVar: 'B2_APPLICATION_KEY',
        description: 'Application key.',
        trimmed: false,
        check: checkB2ApplicationKey,
      },
    ],
  },
  ENV_VARS: { secretType: 'ENV', member: 'envVars', fields: [] },
};

const METHODS_BY_TYPE: ReadonlyMap<SecretType, readonly AuthMethod[]> = new Map(
  SECRET_TYPES.map((type) => [type, AUTH_METHODS.filter((method) => AUTH_METHOD_SPECS[method].secretType === type)]),
);

const PUBLIC_FIELDS: ReadonlyMap<AuthMethod, readonly CredentialField[]> = new Map(
  AUTH_METHODS.map((method) => [
    method,
    Object.freeze(AUTH_METHOD_SPECS[method].fields.map(({ name, inputField, envVar, description }) => Object.freeze({ name, inputField, envVar, description }))),
  ]),
);

// ---------------------------------------------------------------------------------------------
// Lookups

/** Type guard for values read from the database or other untyped sources. */
export function isSecretType(value: unknown): value is SecretType {
  return (SECRET_TYPES as readonly unknown[]).includes(value);
}

/** Type guard for values read from the database or other untyped sources. */
export function isAuthMethod(value: unknown): value is AuthMethod {
  return (AUTH_METHODS as readonly unknown[]).includes(value);
}

/** Type guard for values read from the database or other untyped sources. */
export function isVaultType(value: unknown): value is VaultType {
  return (VAULT_TYPES as readonly unknown[]).includes(value);
}

/** The auth methods a secret type accepts (rule 2), in display order. */
export function authMethodsFor(type: SecretType): readonly AuthMethod[] {
  return METHODS_BY_TYPE.get(type) ?? [];
}

/** The method used when `authMethod` is omitted: the type's only one, or null when it has several (Azure). */
export function defaultAuthMethod(type: SecretType): AuthMethod | null {
  const methods = authMethodsFor(type);
  return methods.length === 1 ? methods[0]! : null;
}

/** Whether `method` is valid for `type` (rule 2, `AUTH_METHOD_INVALID_FOR_TYPE`). */
export function isAuthMethodValidFor(type: SecretType, method: AuthMethod): boolean {
  return authMethodsFor(type).includes(method);
}

/** The secret type an auth method belongs to. */
export function secretTypeOf(method: AuthMethod): SecretType {
  return AUTH_METHOD_SPECS[method].secretType;
}

/** The `@oneOf` credentials member an auth method takes. */
export function credentialsMemberFor(method: AuthMethod): CredentialsInputMember {
  return AUTH_METHOD_SPECS[method].member;
}

/** The fixed credential fields of an auth method, in order; empty for ENV_VARS (free keys). */
export function credentialFieldsFor(method: AuthMethod): readonly CredentialField[] {
  return PUBLIC_FIELDS.get(method) ?? [];
}

/**
 * Whether secrets of this type may live in an external vault. ENV secrets may not: their keys
 * are free-form, so there is no fixed set of fields for `fieldMappings` to cover.
 */
export function supportsExternalVault(type: SecretType): boolean {
  return type !== 'ENV';
}

// ---------------------------------------------------------------------------------------------
// Credentials

/**
 * Validates a `credentials` input against an auth method (rule 3). Returns one error per bad
 * field, paths relative to `credentials` (e.g. `['accessKey', 'secretAccessKey']`); empty
 * when valid. Exactly one member must be set, and it must be the auth method's.
 */
export function validateCredentials(method: AuthMethod, input: CredentialsInput): FieldError[] {
  const spec = AUTH_METHOD_SPECS[method];
  if (!spec) throw new TypeError('Unknown auth method');
  const present = CREDENTIALS_INPUT_MEMBERS.filter((member) => input?.[member] != null);
  if (present.length === 0) {
    return [fieldError([], 'REQUIRED', `Credentials are required: set credentials.${spec.member} for ${method}`)];
  }
  if (present.length > 1) {
    return [fieldError([], 'MULTIPLE_CREDENTIAL_MEMBERS', `Set exactly one credentials member (credentials.${spec.member} for ${method})`)];
  }
  const given = present[0]!;
  if (given !== spec.member) {
    return [fieldError([given], 'CREDENTIALS_MISMATCH_AUTH_METHOD', `${method} takes credentials.${spec.member}, not credentials.${given}`)];
  }
  if (spec.member === 'envVars') return validateEnvVars(input.envVars);

  const values = input[spec.member] as unknown;
  if (typeof values !== 'object' || values === null) {
    return [fieldError([spec.member], 'REQUIRED', `credentials.${spec.member} must be an object`)];
  }
  const errors: FieldError[] = [];
  for (const field of spec.fields) {
    const problem = checkField(field, (values as Record<string, unknown>)[field.inputField]);
    if (problem) errors.push(fieldError([spec.member, field.inputField], problem.code, problem.message));
  }
  return errors;
}

function checkField(field: FieldSpec, raw: unknown): FieldProblem | null {
  const label = field.inputField;
  if (typeof raw !== 'string' || raw.trim() === '') return { code: 'REQUIRED', message: `${label} is required` };
  if (!field.trimmed && raw !== raw.trim()) {
    return { code: 'SURROUNDING_WHITESPACE', message: `${label} must not start or end with whitespace` };
  }
  return field.check(label, field.trimmed ? raw.trim() : raw);
}

/**
 * ENV_VARS: 1–200 pairs; keys 1–128 chars of `^[A-Z_][A-Z0-9_]*$`, unique; values non-blank
 * and ≤ 45,000 chars. Values are taken verbatim (a PEM may end in a newline), so surrounding
 * whitespace is allowed there, unlike in the fixed fields.
 */
function validateEnvVars(pairs: CredentialsInput['envVars']): FieldError[] {
  if (!Array.isArray(pairs) || pairs.length === 0) {
    return [fieldError(['envVars'], 'REQUIRED', 'envVars must contain at least one key')];
  }
  if (pairs.length > ENV_VARS_MAX_COUNT) {
    return [fieldError(['envVars'], 'TOO_MANY_KEYS', `envVars may contain at most ${ENV_VARS_MAX_COUNT} keys`)];
  }
  const errors: FieldError[] = [];
  const firstIndexOfKey = new Map<string, number>();
  pairs.forEach((pair, index) => {
    const path = ['envVars', String(index)];
    const key: unknown = pair?.key;
    const value: unknown = pair?.value;
    const keyProblem = checkEnvKey(key);
    if (keyProblem) {
      errors.push(fieldError([...path, 'key'], keyProblem.code, keyProblem.message));
    } else {
      const first = firstIndexOfKey.get(key as string);
      if (first === undefined) firstIndexOfKey.set(key as string, index);
      else errors.push(fieldError([...path, 'key'], 'DUPLICATE_KEY', `key repeats envVars[${first}].key; keys must be unique`));
    }
    if (typeof value !== 'string' || value.trim() === '') {
      errors.push(fieldError([...path, 'value'], 'REQUIRED', 'value is required'));
    } else if (value.length > ENV_VALUE_MAX_LENGTH) {
      errors.push(fieldError([...path, 'value'], 'TOO_LONG', `value must be at most ${ENV_VALUE_MAX_LENGTH} characters`));
    }
  });
  return errors;
}

/** An env var key's first problem, or null (rule 9); shared with key-level edits of ENV secrets. */
export function checkEnvKey(key: unknown): FieldProblem | null {
  if (typeof key !== 'string' || key === '') return { code: 'REQUIRED', message: 'key is required' };
  if (key.length > ENV_KEY_MAX_LENGTH) return { code: 'TOO_LONG', message: `key must be at most ${ENV_KEY_MAX_LENGTH} characters` };
  if (!ENV_KEY_PATTERN.test(key)) {
    return { code: 'INVALID_FORMAT', message: 'key must be uppercase letters, digits and "_", not starting with a digit' };
  }
  return null;
}

/** One credential value, normalised, ready to be encrypted; never returned by the API. */
export interface CredentialValue {
  /** Field name (`access_key_id`) or, for ENV_VARS, the key. */
  name: string;
  envVar: string;
  value: string;
}

/**
 * The credential values of a valid input, in field order (ENV_VARS: in input order, name and
 * env var both the key). This is what gets encrypted. Call `validateCredentials` first: an
 * input without the method's member throws.
 */
export function credentialValues(method: AuthMethod, input: CredentialsInput): CredentialValue[] {
  const spec = AUTH_METHOD_SPECS[method];
  if (spec.member === 'envVars') {
    if (!Array.isArray(input.envVars)) throw new TypeError(`${method} needs credentials.envVars`);
    return input.envVars.map(({ key, value }) => ({ name: key, envVar: key, value }));
  }
  const values = input[spec.member] as Record<string, unknown> | null | undefined;
  if (values == null) throw new TypeError(`${method} needs credentials.${spec.member}`);
  return spec.fields.map((field) => {
    const raw = values[field.inputField];
    if (typeof raw !== 'string') throw new TypeError(`${method} needs credentials.${spec.member}.${field.inputField}`);
    return { name: field.name, envVar: field.envVar, value: field.trimmed ? raw.trim() : raw };
  });
}

/** The fixed mask: all a value under MASK_MIN_LENGTH characters shows, and what stands for the hidden middle. */
export const MASK = '••••';
/** Values shorter than this show nothing of themselves: a quarter of a short value is too good a hint. */
const MASK_MIN_LENGTH = 16;
/** At most this many leading and trailing characters, however long the value (`AKIA••••XYZ`). */
const MASK_MAX_HEAD = 4;
const MASK_MAX_TAIL = 3;

/**
 * The stored preview of a secret value (DESIGN "Secrets never leave"): under 16 characters the
 * fixed mask `••••` alone; otherwise at most a quarter of the characters in total, at most 4
 * leading and 3 trailing, around `••••` (16 → `ab••••yz`, 40 → `AKIA••••XYZ`). Counts code points,
 * so no surrogate pair is split.
 */
export function maskValue(value: string): string {
  const chars = Array.from(value);
  if (chars.length < MASK_MIN_LENGTH) return MASK;
  const budget = Math.floor(chars.length / 4);
  const head = Math.min(MASK_MAX_HEAD, Math.ceil(budget / 2));
  const tail = Math.min(MASK_MAX_TAIL, budget - head);
  return `${chars.slice(0, head).join('')}${MASK}${tail ? chars.slice(-tail).join('') : ''}`;
}

/** `credentialValues` with each value replaced by its mask: what is stored for reads. */
export function maskedCredentialFields(method: AuthMethod, input: CredentialsInput): { name: string; envVar: string; maskedValue: string }[] {
  return credentialValues(method, input).map(({ name, envVar, value }) => ({ name, envVar, maskedValue: maskValue(value) }));
}

// ---------------------------------------------------------------------------------------------
// External vault field mappings

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
  const spec = AUTH_METHOD_SPECS[method];
  if (!spec) throw new TypeError('Unknown auth method');
  if (!supportsExternalVault(spec.secretType)) {
    return [fieldError(['fieldMappings'], 'ENV_SECRETS_ARE_NATIVE', 'ENV secrets are stored natively; they cannot map fields to an external vault')];
  }
  const expected = spec.fields.map((field) => field.name as string);
  const errors: FieldError[] = [];
  const mapped = new Map<string, number>();
  (Array.isArray(mappings) ? mappings : []).forEach((mapping, index) => {
    const path = ['fieldMappings', String(index)];
    const fieldName: unknown = mapping?.fieldName;
    const reference: unknown = mapping?.reference;
    if (typeof fieldName !== 'string' || fieldName === '') {
      errors.push(fieldError([...path, 'fieldName'], 'REQUIRED', 'fieldName is required'));
    } else if (!expected.includes(fieldName)) {
      errors.push(fieldError([...path, 'fieldName'], 'UNKNOWN_FIELD', `fieldName is not a field of ${method}; expected one of: ${expected.join(', ')}`));
    } else if (mapped.has(fieldName)) {
      errors.push(fieldError([...path, 'fieldName'], 'DUPLICATE_FIELD', `${fieldName} is already mapped by fieldMappings[${mapped.get(fieldName)}]`));
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
    if (!mapped.has(name)) errors.push(fieldError(['fieldMappings'], 'FIELD_NOT_MAPPED', `${name} is not mapped; ${method} needs every one of: ${expected.join(', ')}`));
  }
  return errors;
}

function fieldError(path: string[], code: CredentialErrorCode, message: string): FieldError {
  return { path, message, code };
}
