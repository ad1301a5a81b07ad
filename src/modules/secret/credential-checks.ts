/**
 * Credential validation (INVALID_CREDENTIALS, DESIGN §3): each fixed field's rule, keyed by the catalogue's
 * field names, the `@oneOf` member check, ENV_VARS pairs, and the normalised values that get
 * sealed. Pure functions, no I/O.
 *
 * Messages never contain the value that was given: credentials are secrets, so an error says
 * what is wrong, not what was sent.
 */
import type { FieldError } from '../../errors.ts';
import {
  allowsShortKeys,
  credentialFieldEntriesFor,
  credentialsMemberFor,
  CREDENTIALS_INPUT_MEMBERS,
  secretTypeOf,
  type AuthMethod,
  type CredentialFieldEntry,
  type CredentialFieldName,
  type CredentialsInput,
} from './provider-catalogue.ts';

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

/** Env var keys (DESIGN §3 names and limits; a bad one is INVALID_CREDENTIALS). */
export const ENV_KEY_PATTERN = /^[A-Z_][A-Z0-9_]*$/;
export const ENV_KEY_MAX_LENGTH = 128;
/** An env var value: at most 45,000 characters. */
export const ENV_VALUE_MAX_LENGTH = 45_000;
/** Pairs per ENV secret; far above real bundles, it bounds the encrypted payload. */
export const ENV_VARS_MAX_COUNT = 200;
/** Service-account key files are ~2.3 KB; this leaves room without accepting junk. */
const SERVICE_ACCOUNT_JSON_MAX_LENGTH = 32_768;
const SAS_URL_MAX_LENGTH = 4096;

// ---------------------------------------------------------------------------------------------
// Field rules

/** One problem with one value: a stable code and a message that never quotes the value. */
export interface FieldProblem {
  code: CredentialErrorCode;
  message: string;
}

type Check = (label: string, value: string) => FieldProblem | null;

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
const checkShortAccessKeyId = textRule({ min: 3, max: 128, pattern: PRINTABLE_NO_SPACE, shape: 'printable ASCII without spaces' });
const checkShortSecretAccessKey = textRule({ min: 8, max: 128, pattern: PRINTABLE_NO_SPACE, shape: 'printable ASCII without spaces' });

const checkAzureAccountName = textRule({ min: 3, max: 24, pattern: /^[a-z0-9]+$/, shape: 'lowercase letters and digits only' });

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const checkAzureAccountKey: Check = (label, value) => {
  if (value.length > 512) return { code: 'TOO_LONG', message: `${label} must be at most 512 characters` };
  if (!BASE64.test(value) || value.length % 4 !== 0)
    return { code: 'INVALID_BASE64', message: `${label} must be base64 (an Azure storage account key)` };
  if (Buffer.from(value, 'base64').length < 32) return { code: 'TOO_SHORT', message: `${label} must decode to at least 32 bytes` };
  return null;
};

const checkSasUrl: Check = (label, value) => {
  if (value.length > SAS_URL_MAX_LENGTH) return { code: 'TOO_LONG', message: `${label} must be at most ${SAS_URL_MAX_LENGTH} characters` };
  const url = URL.parse(value);
  if (!url || !url.hostname) return { code: 'INVALID_URL', message: `${label} must be an absolute URL` };
  if (url.protocol !== 'https:') return { code: 'NOT_HTTPS', message: `${label} must use https` };
  if (!url.searchParams.get('sig'))
    return { code: 'MISSING_SIGNATURE', message: `${label} must carry a SAS signature (the "sig" query parameter)` };
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
  const nonEmpty = (property: string) => typeof key[property] === 'string' && key[property].trim() !== '';
  const problems: string[] = [];
  if (key.type !== 'service_account') problems.push('"type" must be "service_account"');
  if (!nonEmpty('client_email') || !EMAIL_LIKE.test(key.client_email as string)) problems.push('"client_email" must be an email address');
  if (!nonEmpty('private_key') || !(key.private_key as string).includes('PRIVATE KEY'))
    problems.push('"private_key" must be a PEM private key');
  if (!nonEmpty('project_id')) problems.push('"project_id" must be a non-empty string');
  if (problems.length > 0) {
    return { code: 'INVALID_SERVICE_ACCOUNT', message: `${label} is not a service-account key: ${problems.join('; ')}` };
  }
  return null;
};

const checkB2ApplicationKeyId = textRule({ min: 12, max: 64, pattern: /^[A-Za-z0-9]+$/, shape: 'letters and digits only' });
const checkB2ApplicationKey = textRule({ min: 16, max: 128, pattern: PRINTABLE_NO_SPACE, shape: 'printable ASCII without spaces' });

/** Each fixed field's rule; `short` where a provider with `shortKeys` accepts shorter values. */
const FIELD_CHECKS: Record<CredentialFieldName, { check: Check; short?: Check }> = {
  access_key_id: { check: checkAccessKeyId, short: checkShortAccessKeyId },
  secret_access_key: { check: checkSecretAccessKey, short: checkShortSecretAccessKey },
  account_name: { check: checkAzureAccountName },
  account_key: { check: checkAzureAccountKey },
  sas_url: { check: checkSasUrl },
  service_account_json: { check: checkServiceAccountJson },
  application_key_id: { check: checkB2ApplicationKeyId },
  application_key: { check: checkB2ApplicationKey },
};

// ---------------------------------------------------------------------------------------------
// Credentials

/**
 * Validates a `credentials` input against an auth method (INVALID_CREDENTIALS). Returns one error per bad
 * field, paths relative to `credentials` (e.g. `['accessKey', 'secretAccessKey']`); empty
 * when valid. Exactly one member must be set, and it must be the auth method's.
 */
export function validateCredentials(method: AuthMethod, input: CredentialsInput): FieldError[] {
  const member = credentialsMemberFor(method);
  const present = CREDENTIALS_INPUT_MEMBERS.filter((candidate) => input?.[candidate] != null);
  if (present.length === 0) {
    return [fieldError([], 'REQUIRED', `Credentials are required: set credentials.${member} for ${method}`)];
  }
  if (present.length > 1) {
    return [fieldError([], 'MULTIPLE_CREDENTIAL_MEMBERS', `Set exactly one credentials member (credentials.${member} for ${method})`)];
  }
  const given = present[0]!;
  if (given !== member) {
    return [fieldError([given], 'CREDENTIALS_MISMATCH_AUTH_METHOD', `${method} takes credentials.${member}, not credentials.${given}`)];
  }
  if (member === 'envVars') return validateEnvVars(input.envVars);

  const values = input[member] as unknown;
  if (typeof values !== 'object' || values === null) {
    return [fieldError([member], 'REQUIRED', `credentials.${member} must be an object`)];
  }
  const shortKeys = allowsShortKeys(secretTypeOf(method));
  const errors: FieldError[] = [];
  for (const field of credentialFieldEntriesFor(method)) {
    const problem = checkField(field, shortKeys, (values as Record<string, unknown>)[field.inputField]);
    if (problem) errors.push(fieldError([member, field.inputField], problem.code, problem.message));
  }
  return errors;
}

function checkField(field: CredentialFieldEntry, shortKeys: boolean, raw: unknown): FieldProblem | null {
  const label = field.inputField;
  if (typeof raw !== 'string' || raw.trim() === '') return { code: 'REQUIRED', message: `${label} is required` };
  if (!field.trimmed && raw !== raw.trim()) {
    return { code: 'SURROUNDING_WHITESPACE', message: `${label} must not start or end with whitespace` };
  }
  const rules = FIELD_CHECKS[field.name as CredentialFieldName];
  const check = (shortKeys && rules.short) || rules.check;
  return check(label, field.trimmed ? raw.trim() : raw);
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

/** An env var key's first problem, or null; shared with key-level edits of ENV secrets. */
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
  const member = credentialsMemberFor(method);
  if (member === 'envVars') {
    if (!Array.isArray(input.envVars)) throw new TypeError(`${method} needs credentials.envVars`);
    return input.envVars.map(({ key, value }) => ({ name: key, envVar: key, value }));
  }
  const values = input[member] as Record<string, unknown> | null | undefined;
  if (values == null) throw new TypeError(`${method} needs credentials.${member}`);
  return credentialFieldEntriesFor(method).map((field) => {
    const raw = values[field.inputField];
    if (typeof raw !== 'string') throw new TypeError(`${method} needs credentials.${member}.${field.inputField}`);
    return { name: field.name, envVar: field.envVar, value: field.trimmed ? raw.trim() : raw };
  });
}

/** A field error of this module's codes (paths as given). */
export function fieldError(path: string[], code: CredentialErrorCode, message: string): FieldError {
  return { path, message, code };
}
