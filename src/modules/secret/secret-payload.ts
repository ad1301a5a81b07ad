import type { SealedColumns } from '../crypto/crypto.tables.ts';
import { openPayload, sealPayload, type MasterKeyring, type PayloadBinding } from '../crypto/envelope.ts';

/** One stored credential: the field name (or env key) and its plaintext value. */
export interface CredentialPlaintext {
  name: string;
  value: string;
}

/** Encrypts a secret version's credentials into the columns of a secret_versions row. */
export function sealCredentials(keyring: MasterKeyring, values: readonly CredentialPlaintext[], binding: PayloadBinding): SealedColumns {
  const sealed = sealPayload(keyring, JSON.stringify(values.map(({ name, value }) => [name, value])), binding);
  return { ciphertext: sealed.ciphertext, iv: sealed.iv, auth_tag: sealed.authTag, wrapped_data_key: sealed.wrappedDataKey, master_key_id: sealed.masterKeyId };
}

/** Decrypts what `sealCredentials` stored; only server-side code (key edits, `cli run`) calls it. */
export function openCredentials(keyring: MasterKeyring, row: SealedColumns, binding: PayloadBinding): CredentialPlaintext[] {
  const plaintext = openPayload(
    keyring,
    { ciphertext: row.ciphertext, iv: row.iv, authTag: row.auth_tag, wrappedDataKey: row.wrapped_data_key, masterKeyId: row.master_key_id },
    binding,
  );
  try {
    return (JSON.parse(plaintext.toString('utf8')) as [string, string][]).map(([name, value]) => ({ name, value }));
  } finally {
    plaintext.fill(0);
  }
}
