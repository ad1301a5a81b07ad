/**
 * Envelope encryption of secret payloads (DESIGN §3 "Secrets never leave").
 *
 * Every payload is sealed with AES-256-GCM under a fresh random data key; the data key is
 * itself sealed ("wrapped") with AES-256-GCM under the master key, whose id is stored so that
 * a keyring holding old master keys can still open rows sealed before a rotation. The
 * payload's associated data binds it to its team, secret and version: a row copied anywhere
 * else fails authentication instead of decrypting. Pure functions over node:crypto only.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const CIPHER = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** iv | tag | ciphertext of a 32-byte data key. */
const WRAPPED_KEY_BYTES = IV_BYTES + TAG_BYTES + KEY_BYTES;
/** Associated data of every wrapped data key; bump the version if the wrapping ever changes. */
const DATA_KEY_AAD = Buffer.from('cloakroom:dek:v1', 'utf8');
const PAYLOAD_AAD_PREFIX = 'cloakroom:v1';

/** The master keys: `current` wraps new data keys, `previous` only unwrap older ones. */
export interface MasterKeyring {
  current: Buffer;
  previous: Buffer[];
}

/** What a payload is bound to; opening with any other binding fails. */
export interface PayloadBinding {
  teamId: string;
  secretId: string;
  version: number;
}

/** Everything stored for one sealed payload; none of it is secret without the master key. */
export interface SealedPayload {
  ciphertext: Buffer;
  iv: Buffer;
  authTag: Buffer;
  /** iv (12) | GCM tag (16) | encrypted data key (32). */
  wrappedDataKey: Buffer;
  /** `keyId` of the master key that wrapped the data key. */
  masterKeyId: string;
}

/** Why a payload did not open; the message never says more than this. */
export type DecryptionFailure = 'UNKNOWN_MASTER_KEY' | 'MALFORMED' | 'DATA_KEY_UNWRAP_FAILED' | 'PAYLOAD_AUTH_FAILED';

/**
 * A sealed payload could not be opened: unknown master key, tampered bytes, or a binding
 * (team, secret, version) other than the one it was sealed with. Unexpected by the API, so
 * Yoga masks it; `reason` is for logs and tests.
 */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
  readonly reason: DecryptionFailure;
  constructor(reason: DecryptionFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Identifies a master key without revealing it: the first 16 hex chars of its SHA-256. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Builds a keyring, refusing keys that are not exactly 32 bytes. */
export function createKeyring(current: Buffer, previous: Buffer[] = []): MasterKeyring {
  for (const key of [current, ...previous]) assertKeyLength(key);
  return { current, previous: [...previous] };
}

/**
 * The associated data of a payload: an unambiguous encoding of its binding (JSON, so an id
 * containing ':' cannot make two different bindings collide).
 */
export function bindingAad(binding: PayloadBinding): Buffer {
  const { teamId, secretId, version } = binding;
  if (typeof teamId !== 'string' || teamId === '' || typeof secretId !== 'string' || secretId === '') {
    throw new TypeError('A payload binding needs a non-empty teamId and secretId');
  }
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new TypeError('A payload binding needs a non-negative integer version');
  }
  return Buffer.from(JSON.stringify([PAYLOAD_AAD_PREFIX, teamId, secretId, version]), 'utf8');
}

/** Encrypts a payload under a fresh data key, wrapped by the keyring's current master key. */
export function sealPayload(keyring: MasterKeyring, plaintext: Uint8Array | string, binding: PayloadBinding): SealedPayload {
  assertKeyLength(keyring.current);
  const aad = bindingAad(binding);
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, dataKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    return {
      ciphertext,
      iv,
      authTag: cipher.getAuthTag(),
      wrappedDataKey: wrapDataKey(keyring.current, dataKey),
      masterKeyId: keyId(keyring.current),
    };
  } finally {
    dataKey.fill(0);
    // The UTF-8 copy of a string is ours to wipe; a caller's Uint8Array is not.
    if (typeof plaintext === 'string') data.fill(0);
  }
}

/** Decrypts a payload; throws DecryptionError unless key id, bytes and binding all match. */
export function openPayload(keyring: MasterKeyring, sealed: SealedPayload, binding: PayloadBinding): Buffer {
  const aad = bindingAad(binding);
  if (sealed.iv.length !== IV_BYTES || sealed.authTag.length !== TAG_BYTES) {
    throw new DecryptionError('MALFORMED', 'Sealed payload has a malformed iv or auth tag');
  }
  const dataKey = unwrapDataKey(keyring, sealed);
  let partial: Buffer | undefined;
  try {
    const decipher = createDecipheriv(CIPHER, dataKey, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.authTag);
    partial = decipher.update(sealed.ciphertext);
    return Buffer.concat([partial, decipher.final()]);
  } catch (error) {
    throw new DecryptionError(
      'PAYLOAD_AUTH_FAILED',
      'Sealed payload failed authentication (tampered, or bound to another team, secret or version)',
      {
        cause: error,
      },
    );
  } finally {
    dataKey.fill(0);
    // Unauthenticated plaintext must not linger; on success `partial` was copied by concat.
    partial?.fill(0);
  }
}

/**
 * Re-wraps a payload's data key under the keyring's current master key, leaving ciphertext,
 * iv and tag untouched (`cli rewrap`). Returns the stored values unchanged when the data key
 * is already wrapped by the current key.
 */
export function rewrapDataKey(
  keyring: MasterKeyring,
  sealed: Pick<SealedPayload, 'wrappedDataKey' | 'masterKeyId'>,
): {
  wrappedDataKey: Buffer;
  masterKeyId: string;
} {
  const currentId = keyId(keyring.current);
  if (sealed.masterKeyId === currentId) {
    return { wrappedDataKey: sealed.wrappedDataKey, masterKeyId: sealed.masterKeyId };
  }
  const dataKey = unwrapDataKey(keyring, sealed);
  try {
    return { wrappedDataKey: wrapDataKey(keyring.current, dataKey), masterKeyId: currentId };
  } finally {
    dataKey.fill(0);
  }
}

/** Whether the payload's data key is wrapped by the keyring's current master key. */
export function isWrappedByCurrentKey(keyring: MasterKeyring, sealed: Pick<SealedPayload, 'masterKeyId'>): boolean {
  return sealed.masterKeyId === keyId(keyring.current);
}

function assertKeyLength(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new RangeError(`A master key must be exactly ${KEY_BYTES} bytes`);
  }
}

function wrapDataKey(masterKey: Buffer, dataKey: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, masterKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(DATA_KEY_AAD);
  const encrypted = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), encrypted]);
}

/** The caller owns (and must zero) the returned data key. */
function unwrapDataKey(keyring: MasterKeyring, sealed: Pick<SealedPayload, 'wrappedDataKey' | 'masterKeyId'>): Buffer {
  const masterKey = [keyring.current, ...keyring.previous].find((key) => keyId(key) === sealed.masterKeyId);
  if (!masterKey) {
    throw new DecryptionError('UNKNOWN_MASTER_KEY', `No master key with id ${sealed.masterKeyId} in the keyring`);
  }
  const wrapped = sealed.wrappedDataKey;
  if (wrapped.length !== WRAPPED_KEY_BYTES) {
    throw new DecryptionError('MALFORMED', 'Wrapped data key has the wrong length');
  }
  const parts: Buffer[] = [];
  try {
    const decipher = createDecipheriv(CIPHER, masterKey, wrapped.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(DATA_KEY_AAD);
    decipher.setAuthTag(wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    parts.push(decipher.update(wrapped.subarray(IV_BYTES + TAG_BYTES)));
    parts.push(decipher.final());
    return Buffer.concat(parts);
  } catch (error) {
    throw new DecryptionError('DATA_KEY_UNWRAP_FAILED', 'Wrapped data key failed authentication', { cause: error });
  } finally {
    for (const part of parts) part.fill(0);
  }
}
