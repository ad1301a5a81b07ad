/**
 * What a failed storage request means (DESIGN §6.2): one of eight codes and a message of ours,
 * chosen from the error's class, HTTP status and code as the three SDKs report them. The SDK's
 * own text is never used: it may quote a request, a URL with a SAS signature, or whatever a
 * hostile endpoint chose to answer.
 */
import { ENDPOINT_NOT_ALLOWED } from '../outbound/outbound-guard.ts';

export const VERIFICATION_ERROR_CODES = [
  'INVALID_CREDENTIALS',
  'ACCESS_DENIED',
  'BUCKET_NOT_FOUND',
  'UNREACHABLE',
  'TIMEOUT',
  'TLS_ERROR',
  'ENDPOINT_NOT_ALLOWED',
  'PROVIDER_ERROR',
] as const;
export type VerificationErrorCode = (typeof VERIFICATION_ERROR_CODES)[number];

/** The message of each code; the check's name and the HTTP status (when there was an answer) are added. */
export const VERIFICATION_ERROR_MESSAGES: Record<VerificationErrorCode, string> = {
  INVALID_CREDENTIALS: 'the provider rejected the credentials (unknown key, wrong secret or signature, expired or malformed)',
  ACCESS_DENIED: 'the credentials are valid but not allowed to do this on the bucket',
  BUCKET_NOT_FOUND: 'the bucket or container does not exist',
  UNREACHABLE: 'the endpoint could not be reached (no such host, connection refused or reset)',
  TIMEOUT: 'the provider did not answer within the verification’s time budget',
  TLS_ERROR: 'the endpoint’s TLS certificate is not trusted or does not match its host',
  ENDPOINT_NOT_ALLOWED: 'the endpoint is not https or is not a public address (CLOAKROOM_OUTBOUND_ALLOWED_HOSTS)',
  PROVIDER_ERROR: 'the provider answered with an unexpected error',
};

/** Raised by the checks themselves (a read that returns other bytes, an endpoint the location cannot have). */
export class VerificationFailure extends Error {
  override name = 'VerificationFailure';
  readonly verificationCode: VerificationErrorCode;
  constructor(code: VerificationErrorCode, message: string) {
    super(message);
    this.verificationCode = code;
  }
}

/** Provider error codes (S3 `Code`, Azure `x-ms-error-code`, Google `reason`/OAuth `error`) by meaning. */
const PROVIDER_CODES: Partial<Record<VerificationErrorCode, readonly string[]>> = {
  INVALID_CREDENTIALS: [
    'InvalidAccessKeyId',
    'SignatureDoesNotMatch',
    'InvalidToken',
    'ExpiredToken',
    'TokenRefreshRequired',
    'InvalidSecurity',
    'AuthorizationHeaderMalformed',
    'CredentialsNotSupported',
    'AuthenticationFailed',
    'AuthorizationFailure',
    'InvalidAuthenticationInfo',
    'NoAuthenticationInformation',
    'invalid_grant',
    'invalid_client',
    'unauthorized_client',
    'authError',
  ],
  ACCESS_DENIED: [
    'AccessDenied',
    'AllAccessDisabled',
    'AccountProblem',
    'AuthorizationPermissionMismatch',
    'AuthorizationResourceTypeMismatch',
    'AuthorizationServiceMismatch',
    'AuthorizationProtocolMismatch',
    'AuthorizationSourceIPMismatch',
    'InsufficientAccountPermissions',
    'forbidden',
  ],
  BUCKET_NOT_FOUND: ['NoSuchBucket', 'ContainerNotFound', 'ContainerBeingDeleted', 'ResourceNotFound', 'notFound'],
  TIMEOUT: ['RequestTimeout', 'TimeoutError', 'OperationTimedOut', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED', 'AbortError'],
  UNREACHABLE: ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EADDRNOTAVAIL'],
};

const CODE_MEANING = new Map<string, VerificationErrorCode>(
  Object.entries(PROVIDER_CODES).flatMap(([meaning, codes]) => codes.map((code) => [code, meaning as VerificationErrorCode])),
);

/** OpenSSL's and Node's names for a certificate or handshake that fails. */
const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH$)/;
/** Node's crypto failing on a malformed private key (a GCS service-account key that does not parse). */
const MALFORMED_KEY_CODE = /^(ERR_OSSL_|ERR_CRYPTO_|ERR_INVALID_ARG)/;

interface ErrorFacts {
  codes: string[];
  names: string[];
  status: number | undefined;
}

/** The class names, codes and HTTP status of an error and of everything it wraps, without reading a message. */
function factsOf(error: unknown): ErrorFacts {
  const facts: ErrorFacts = { codes: [], names: [], status: undefined };
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const e = current as Record<string, unknown>;
    if (typeof e.name === 'string') facts.names.push(e.name);
    for (const code of [e.code, e.Code, e.errno, (e.details as Record<string, unknown> | undefined)?.errorCode]) {
      if (typeof code === 'string') facts.codes.push(code);
    }
    const metadata = e.$metadata as { httpStatusCode?: unknown } | undefined;
    const response = e.response as { status?: unknown; statusCode?: unknown; data?: { error?: unknown } } | undefined;
    if (typeof response?.data?.error === 'string') facts.codes.push(response.data.error);
    for (const status of [metadata?.httpStatusCode, e.statusCode, e.status, response?.status, response?.statusCode, e.code]) {
      if (facts.status === undefined && typeof status === 'number' && status >= 100 && status < 600) facts.status = status;
    }
    for (const reason of Array.isArray(e.errors) ? e.errors : []) {
      if (reason && typeof (reason as { reason?: unknown }).reason === 'string') facts.codes.push((reason as { reason: string }).reason);
    }
    pending.push(e.cause, e.originalError, e.error);
    for (const inner of Array.isArray(e.errors) ? e.errors : []) pending.push(inner);
  }
  return facts;
}

/** The code of a failed request; `step` says which check failed, so a 404 on LIST is the bucket, on READ the object. */
export function classifyVerificationError(error: unknown, step: 'LIST' | 'WRITE' | 'READ' | 'DELETE'): VerificationErrorCode {
  if (error instanceof VerificationFailure) return error.verificationCode;
  const { codes, names, status } = factsOf(error);
  if (codes.includes(ENDPOINT_NOT_ALLOWED)) return 'ENDPOINT_NOT_ALLOWED';
  if (codes.some((code) => TLS_CODE.test(code))) return 'TLS_ERROR';
  for (const code of [...codes, ...names]) {
    const meaning = CODE_MEANING.get(code);
    if (meaning) return meaning;
  }
  if (names.includes('TimeoutError') || names.includes('AbortError')) return 'TIMEOUT';
  if (status === 401) return 'INVALID_CREDENTIALS';
  if (status === 403) return 'ACCESS_DENIED';
  if (status === 404 && step === 'LIST') return 'BUCKET_NOT_FOUND';
  if (status === undefined && codes.some((code) => MALFORMED_KEY_CODE.test(code))) return 'INVALID_CREDENTIALS';
  return 'PROVIDER_ERROR';
}

/** Our message for a failed check: its code's, with the HTTP status when the provider answered one. */
export function verificationErrorMessage(error: unknown, code: VerificationErrorCode): string {
  if (error instanceof VerificationFailure) return error.message;
  const { status } = factsOf(error);
  return status === undefined ? VERIFICATION_ERROR_MESSAGES[code] : `${VERIFICATION_ERROR_MESSAGES[code]} (HTTP ${status})`;
}
