import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bindingAad,
  createKeyring,
  DecryptionError,
  isWrappedByCurrentKey,
  keyId,
  openPayload,
  rewrapDataKey,
  sealPayload,
  type DecryptionFailure,
  type PayloadBinding,
  type SealedPayload,
} from './envelope.ts';

const binding: PayloadBinding = { teamId: 'team-1', secretId: 'secret-1', version: 3 };
const plaintext = JSON.stringify({ access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });

function flipByte(buffer: Buffer, index = 0): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

function expectDecryptionError(fn: () => unknown, reason: DecryptionFailure): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DecryptionError);
  expect((caught as DecryptionError).reason).toBe(reason);
  expect((caught as DecryptionError).message).not.toContain('AKIA');
}

describe('keyId and createKeyring', () => {
  it('is the first 16 hex chars of the SHA-256 of the key, stable and distinct per key', () => {
    const key = Buffer.alloc(32, 7);
    expect(keyId(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyId(key)).toBe(keyId(Buffer.alloc(32, 7)));
    expect(keyId(key)).not.toBe(keyId(Buffer.alloc(32, 8)));
    // SHA-256 of 32 bytes of 0x00, a known vector.
    expect(keyId(Buffer.alloc(32))).toBe('66687aadf862bd77');
  });

  it('refuses master keys that are not 32 bytes', () => {
    expect(() => createKeyring(randomBytes(16))).toThrow(RangeError);
    expect(() => createKeyring(randomBytes(32), [randomBytes(31)])).toThrow(RangeError);
    expect(createKeyring(randomBytes(32)).previous).toEqual([]);
  });
});

describe('sealPayload / openPayload', () => {
  const keyring = createKeyring(randomBytes(32));

  it('round-trips strings and bytes', () => {
    const sealed = sealPayload(keyring, plaintext, binding);
    expect(openPayload(keyring, sealed, binding).toString('utf8')).toBe(plaintext);

    const bytes = new Uint8Array(randomBytes(1000));
    expect(openPayload(keyring, sealPayload(keyring, bytes, binding), binding).equals(Buffer.from(bytes))).toBe(true);
    expect(openPayload(keyring, sealPayload(keyring, '', binding), binding).length).toBe(0);
  });

  it('leaves a caller-supplied byte array untouched', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    sealPayload(keyring, bytes, binding);
    expect([...bytes]).toEqual([1, 2, 3, 4]);
  });

  it('records the current master key id and the documented sizes', () => {
    const sealed = sealPayload(keyring, plaintext, binding);
    expect(sealed.masterKeyId).toBe(keyId(keyring.current));
    expect(sealed.iv.length).toBe(12);
    expect(sealed.authTag.length).toBe(16);
    expect(sealed.wrappedDataKey.length).toBe(12 + 16 + 32);
    expect(sealed.ciphertext.length).toBe(Buffer.byteLength(plaintext));
  });

  it('gives different output for two seals of the same plaintext', () => {
    const a = sealPayload(keyring, plaintext, binding);
    const b = sealPayload(keyring, plaintext, binding);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.wrappedDataKey.equals(b.wrappedDataKey)).toBe(false);
  });

  it('never contains the plaintext bytes', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const sealed = sealPayload(keyring, secret, binding);
    for (const part of [sealed.ciphertext, sealed.iv, sealed.authTag, sealed.wrappedDataKey]) {
      expect(part.includes(Buffer.from(secret))).toBe(false);
      expect(part.includes(Buffer.from(secret.slice(0, 8)))).toBe(false);
    }
  });

  it.each([
    ['team', { ...binding, teamId: 'team-2' }],
    ['secret', { ...binding, secretId: 'secret-2' }],
    ['version', { ...binding, version: 4 }],
  ])('refuses a different %s in the binding', (_label, other) => {
    const sealed = sealPayload(keyring, plaintext, binding);
    expectDecryptionError(() => openPayload(keyring, sealed, other), 'PAYLOAD_AUTH_FAILED');
  });

  it('encodes the binding unambiguously (ids containing the separator cannot collide)', () => {
    const a = { teamId: 'a:b', secretId: 'c', version: 1 };
    const b = { teamId: 'a', secretId: 'b:c', version: 1 };
    expect(bindingAad(a).equals(bindingAad(b))).toBe(false);
    const sealed = sealPayload(keyring, plaintext, a);
    expectDecryptionError(() => openPayload(keyring, sealed, b), 'PAYLOAD_AUTH_FAILED');
  });

  it('refuses malformed bindings', () => {
    expect(() => sealPayload(keyring, plaintext, { ...binding, teamId: '' })).toThrow(TypeError);
    expect(() => sealPayload(keyring, plaintext, { ...binding, version: 1.5 })).toThrow(TypeError);
    expect(() => sealPayload(keyring, plaintext, { ...binding, version: -1 })).toThrow(TypeError);
  });

  it.each<[string, (sealed: SealedPayload) => SealedPayload, DecryptionFailure]>([
    ['ciphertext', (s) => ({ ...s, ciphertext: flipByte(s.ciphertext, 5) }), 'PAYLOAD_AUTH_FAILED'],
    ['truncated ciphertext', (s) => ({ ...s, ciphertext: s.ciphertext.subarray(0, -1) }), 'PAYLOAD_AUTH_FAILED'],
    ['iv', (s) => ({ ...s, iv: flipByte(s.iv) }), 'PAYLOAD_AUTH_FAILED'],
    ['auth tag', (s) => ({ ...s, authTag: flipByte(s.authTag, 15) }), 'PAYLOAD_AUTH_FAILED'],
    ['short auth tag', (s) => ({ ...s, authTag: s.authTag.subarray(0, 8) }), 'MALFORMED'],
    ['wrapped key iv', (s) => ({ ...s, wrappedDataKey: flipByte(s.wrappedDataKey, 0) }), 'DATA_KEY_UNWRAP_FAILED'],
    ['wrapped key tag', (s) => ({ ...s, wrappedDataKey: flipByte(s.wrappedDataKey, 20) }), 'DATA_KEY_UNWRAP_FAILED'],
    ['wrapped key body', (s) => ({ ...s, wrappedDataKey: flipByte(s.wrappedDataKey, 50) }), 'DATA_KEY_UNWRAP_FAILED'],
    ['wrapped key length', (s) => ({ ...s, wrappedDataKey: s.wrappedDataKey.subarray(1) }), 'MALFORMED'],
  ])('refuses a tampered %s', (_label, tamper, reason) => {
    const sealed = sealPayload(keyring, plaintext, binding);
    expectDecryptionError(() => openPayload(keyring, tamper(sealed), binding), reason);
  });

  it('refuses a data key swapped in from another payload', () => {
    const a = sealPayload(keyring, plaintext, binding);
    const b = sealPayload(keyring, plaintext, binding);
    expectDecryptionError(() => openPayload(keyring, { ...a, wrappedDataKey: b.wrappedDataKey }, binding), 'PAYLOAD_AUTH_FAILED');
  });

  it('refuses an unknown master key id, and a keyring without the wrapping key', () => {
    const sealed = sealPayload(keyring, plaintext, binding);
    expectDecryptionError(() => openPayload(keyring, { ...sealed, masterKeyId: '0000000000000000' }, binding), 'UNKNOWN_MASTER_KEY');
    expectDecryptionError(() => openPayload(createKeyring(randomBytes(32)), sealed, binding), 'UNKNOWN_MASTER_KEY');
  });

  it('opens payloads sealed under a previous master key', () => {
    const old = randomBytes(32);
    const sealed = sealPayload(createKeyring(old), plaintext, binding);
    const rotated = createKeyring(randomBytes(32), [old]);
    expect(openPayload(rotated, sealed, binding).toString('utf8')).toBe(plaintext);
  });
});

describe('rewrapDataKey', () => {
  it('moves the data key to the new master key without touching the payload', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sealed = sealPayload(createKeyring(oldKey), plaintext, binding);
    const before = { ciphertext: Buffer.from(sealed.ciphertext), iv: Buffer.from(sealed.iv), authTag: Buffer.from(sealed.authTag) };

    const rotating = createKeyring(newKey, [oldKey]);
    expect(isWrappedByCurrentKey(rotating, sealed)).toBe(false);
    const rewrapped = rewrapDataKey(rotating, sealed);
    expect(rewrapped.masterKeyId).toBe(keyId(newKey));
    expect(rewrapped.wrappedDataKey.equals(sealed.wrappedDataKey)).toBe(false);
    expect(sealed.ciphertext.equals(before.ciphertext) && sealed.iv.equals(before.iv) && sealed.authTag.equals(before.authTag)).toBe(true);

    const moved = { ...sealed, ...rewrapped };
    expect(isWrappedByCurrentKey(rotating, moved)).toBe(true);
    // The old key is gone: only the new one is needed now.
    const newOnly = createKeyring(newKey);
    expect(openPayload(newOnly, moved, binding).toString('utf8')).toBe(plaintext);
    expectDecryptionError(() => openPayload(newOnly, sealed, binding), 'UNKNOWN_MASTER_KEY');
  });

  it('is a no-op when the data key is already under the current master key', () => {
    const keyring = createKeyring(randomBytes(32));
    const sealed = sealPayload(keyring, plaintext, binding);
    const result = rewrapDataKey(keyring, sealed);
    expect(result.masterKeyId).toBe(sealed.masterKeyId);
    expect(result.wrappedDataKey).toBe(sealed.wrappedDataKey);
  });

  it('refuses an unknown or tampered wrapped key', () => {
    const sealed = sealPayload(createKeyring(randomBytes(32)), plaintext, binding);
    expectDecryptionError(() => rewrapDataKey(createKeyring(randomBytes(32)), sealed), 'UNKNOWN_MASTER_KEY');
    expectDecryptionError(() => rewrapDataKey(createKeyring(randomBytes(32), [randomBytes(32)]), sealed), 'UNKNOWN_MASTER_KEY');
    const oldKey = randomBytes(32);
    const old = sealPayload(createKeyring(oldKey), plaintext, binding);
    expectDecryptionError(
      () => rewrapDataKey(createKeyring(randomBytes(32), [oldKey]), { ...old, wrappedDataKey: flipByte(old.wrappedDataKey, 40) }),
      'DATA_KEY_UNWRAP_FAILED',
    );
  });
});
