import { NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import { RestError } from '@azure/storage-blob';
import { ApiError } from '@google-cloud/storage';
import { describe, expect, test } from 'vitest';
import { EndpointNotAllowedError } from '../outbound/outbound-guard.ts';
import {
  classifyVerificationError,
  VERIFICATION_ERROR_CODES,
  VERIFICATION_ERROR_MESSAGES,
  VerificationFailure,
  verificationErrorMessage,
} from './verification-errors.ts';

/** An S3 error as @aws-sdk/client-s3 deserialises one (its class, `name` = the S3 `Code`, the HTTP status). */
const s3Error = (name: string, status: number, message = `raw provider text for ${name}`) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message });

/** A Google API error as @google-cloud/storage raises one (the HTTP status as `code`, the reasons). */
const gcsError = (code: number, ...reasons: string[]) =>
  new ApiError({ code, message: 'raw', errors: reasons.map((reason) => ({ reason, message: 'raw' })), response: {} as never });

/** A failure of Node's networking or TLS: an Error with a `code`. */
const nodeError = (code: string) => Object.assign(new Error(`raw ${code} text with https://host/?sig=SECRET`), { code });

describe('classification of the SDKs’ errors', () => {
  test.each([
    // S3 (and every S3-compatible server): the Code of the error document.
    ['S3 wrong secret key', s3Error('SignatureDoesNotMatch', 403), 'LIST', 'INVALID_CREDENTIALS'],
    ['S3 unknown key id', s3Error('InvalidAccessKeyId', 403), 'LIST', 'INVALID_CREDENTIALS'],
    ['S3 expired session token', s3Error('ExpiredToken', 400), 'LIST', 'INVALID_CREDENTIALS'],
    ['S3 access denied', s3Error('AccessDenied', 403), 'WRITE', 'ACCESS_DENIED'],
    [
      'S3 no such bucket',
      new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: 'The specified bucket does not exist' }),
      'LIST',
      'BUCKET_NOT_FOUND',
    ],
    ['S3 bare 404 on LIST (HEAD-style, no body)', s3Error('NotFound', 404), 'LIST', 'BUCKET_NOT_FOUND'],
    ['S3 bare 404 on READ is not the bucket', s3Error('NotFound', 404), 'READ', 'PROVIDER_ERROR'],
    ['S3 bare 401', s3Error('Unknown', 401), 'LIST', 'INVALID_CREDENTIALS'],
    ['S3 503 SlowDown', s3Error('SlowDown', 503), 'WRITE', 'PROVIDER_ERROR'],
    ['S3 request timeout answer', s3Error('RequestTimeout', 400), 'WRITE', 'TIMEOUT'],
    // Azure: RestError's status and x-ms-error-code.
    [
      'Azure wrong key / expired SAS',
      new RestError('raw', { statusCode: 403, code: 'AuthorizationFailure' }),
      'LIST',
      'INVALID_CREDENTIALS',
    ],
    ['Azure bad signature', new RestError('raw', { statusCode: 403, code: 'AuthenticationFailed' }), 'LIST', 'INVALID_CREDENTIALS'],
    [
      'Azure SAS without the permission',
      new RestError('raw', { statusCode: 403, code: 'AuthorizationPermissionMismatch' }),
      'WRITE',
      'ACCESS_DENIED',
    ],
    ['Azure missing container', new RestError('raw', { statusCode: 404, code: 'ContainerNotFound' }), 'LIST', 'BUCKET_NOT_FOUND'],
    ['Azure connection refused', new RestError('raw', { code: 'ECONNREFUSED' }), 'LIST', 'UNREACHABLE'],
    // Google: ApiError's numeric code and reasons; a key that does not parse fails in Node's crypto.
    ['GCS forbidden', gcsError(403, 'forbidden'), 'WRITE', 'ACCESS_DENIED'],
    ['GCS unauthenticated', gcsError(401), 'LIST', 'INVALID_CREDENTIALS'],
    ['GCS missing bucket', gcsError(404, 'notFound'), 'LIST', 'BUCKET_NOT_FOUND'],
    ['GCS malformed private key', nodeError('ERR_OSSL_UNSUPPORTED'), 'LIST', 'INVALID_CREDENTIALS'],
    [
      'OAuth token refused',
      Object.assign(new Error('raw'), { response: { status: 400, data: { error: 'invalid_grant' } } }),
      'LIST',
      'INVALID_CREDENTIALS',
    ],
    // Node's networking and TLS, however deeply wrapped.
    ['no such host', nodeError('ENOTFOUND'), 'LIST', 'UNREACHABLE'],
    ['reset', nodeError('ECONNRESET'), 'READ', 'UNREACHABLE'],
    ['connect timeout', nodeError('ETIMEDOUT'), 'LIST', 'TIMEOUT'],
    ['budget spent', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'WRITE', 'TIMEOUT'],
    ['untrusted certificate', nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'LIST', 'TLS_ERROR'],
    ['self-signed', nodeError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'LIST', 'TLS_ERROR'],
    ['wrong host name', nodeError('ERR_TLS_CERT_ALTNAME_INVALID'), 'LIST', 'TLS_ERROR'],
    ['wrapped TLS failure', new Error('outer', { cause: nodeError('CERT_HAS_EXPIRED') }), 'LIST', 'TLS_ERROR'],
    ['refused by the guard', new EndpointNotAllowedError('raw'), 'LIST', 'ENDPOINT_NOT_ALLOWED'],
    ['refused by the guard, wrapped by Azure', new RestError('raw', { code: 'ENDPOINT_NOT_ALLOWED' }), 'LIST', 'ENDPOINT_NOT_ALLOWED'],
    ['ours', new VerificationFailure('PROVIDER_ERROR', 'the object read back differs from the one written'), 'READ', 'PROVIDER_ERROR'],
    ['anything else', new TypeError('raw'), 'LIST', 'PROVIDER_ERROR'],
    ['not even an Error', 'a string', 'LIST', 'PROVIDER_ERROR'],
  ] as const)('%s → %s at %s is %s', (_label, error, step, expected) => {
    expect(classifyVerificationError(error, step)).toBe(expected);
  });
});

describe('messages are ours', () => {
  test('the provider’s text never reaches the message: only our sentence and the HTTP status', () => {
    const error = s3Error('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match … AKIAEXAMPLEKEY');
    const message = verificationErrorMessage(error, classifyVerificationError(error, 'LIST'));
    expect(message).toBe(`${VERIFICATION_ERROR_MESSAGES.INVALID_CREDENTIALS} (HTTP 403)`);
    expect(message).not.toMatch(/AKIA|calculated|SignatureDoesNotMatch/);
  });

  test('a network failure has no status; a URL with a signature in the raw text stays out', () => {
    const error = nodeError('ECONNREFUSED');
    expect(verificationErrorMessage(error, 'UNREACHABLE')).toBe(VERIFICATION_ERROR_MESSAGES.UNREACHABLE);
  });

  test('every code has a message', () => {
    for (const code of VERIFICATION_ERROR_CODES) expect(VERIFICATION_ERROR_MESSAGES[code].length).toBeGreaterThan(10);
  });
});
