import type { SealedColumns } from './crypto.tables.ts';
import { openPayload, sealPayload, type MasterKeyring, type PayloadBinding } from './envelope.ts';

/** `sealPayload` into the columns a sealed row stores (secret versions and vault connections alike). */
export function sealToColumns(keyring: MasterKeyring, plaintext: string, binding: PayloadBinding): SealedColumns {
  const sealed = sealPayload(keyring, plaintext, binding);
  return {
    ciphertext: sealed.ciphertext,
    iv: sealed.iv,
    auth_tag: sealed.authTag,
    wrapped_data_key: sealed.wrappedDataKey,
    master_key_id: sealed.masterKeyId,
  };
}

/** `openPayload` of what `sealToColumns` stored; the caller owns (and should zero) the plaintext. */
export function openFromColumns(keyring: MasterKeyring, row: SealedColumns, binding: PayloadBinding): Buffer {
  return openPayload(
    keyring,
    { ciphertext: row.ciphertext, iv: row.iv, authTag: row.auth_tag, wrappedDataKey: row.wrapped_data_key, masterKeyId: row.master_key_id },
    binding,
  );
}
