/**
 * Sealing of secret versions: the one place that turns credential values into the sealed payload
 * of a `secret_versions` row (and its masked previews) and opens it again. The service decides
 * when; only this module, server side, ever holds the plaintext.
 */
import type { Db } from '../../database/database.ts';
import { ConflictError, ErrorCode } from '../../errors.ts';
import type { SealedColumns } from '../crypto/crypto.tables.ts';
import type { MasterKeyring, PayloadBinding } from '../crypto/envelope.ts';
import { openFromColumns, sealToColumns } from '../crypto/sealed-columns.ts';
import type { CredentialValue } from './credential-checks.ts';
import { maskValue } from './credential-masking.ts';
import * as secretRepository from './secret.repository.ts';
import type { SecretRow } from './secret.repository.ts';
import type { CredentialFieldPreview } from './secret.tables.ts';
import { credentialFieldsFor, type AuthMethod } from './provider-catalogue.ts';

/** One stored credential: the field name (or env key) and its plaintext value. */
export interface CredentialPlaintext {
  name: string;
  value: string;
}

/** Encrypts a secret version's credentials into the columns of a secret_versions row. */
export function sealCredentials(keyring: MasterKeyring, values: readonly CredentialPlaintext[], binding: PayloadBinding): SealedColumns {
  return sealToColumns(keyring, JSON.stringify(values.map(({ name, value }) => [name, value])), binding);
}

/** Decrypts what `sealCredentials` stored; only server-side code (key edits, `cli run`) calls it. */
export function openCredentials(keyring: MasterKeyring, row: SealedColumns, binding: PayloadBinding): CredentialPlaintext[] {
  const plaintext = openFromColumns(keyring, row, binding);
  try {
    return (JSON.parse(plaintext.toString('utf8')) as [string, string][]).map(([name, value]) => ({ name, value }));
  } finally {
    plaintext.fill(0);
  }
}

/** What a credentials change stores: the sealed payload of the version row and the masked previews of the secret row. */
export interface SealedCredentials {
  sealed: SealedColumns;
  previews: CredentialFieldPreview[];
  /** The plaintext pairs sealed, for telling an update that stores what is already stored (never returned). */
  values: CredentialPlaintext[];
}

/** Seals validated credential values for the version `binding` names, with their masked previews. */
export function sealWithPreviews(keyring: MasterKeyring, values: CredentialValue[], binding: PayloadBinding): SealedCredentials {
  return { sealed: sealCredentials(keyring, values, binding), previews: previewsOf(values), values };
}

/** The masked previews of credential values, as stored beside their version and (when CURRENT) their secret. */
export function previewsOf(values: readonly CredentialValue[]): CredentialFieldPreview[] {
  return values.map(({ name, envVar, value }) => ({ name, envVar, maskedValue: maskValue(value) }));
}

/**
 * The plaintext credentials of one version of the secret (server side only: restore, `cli run
 * --stage`). ConflictError PAYLOAD_MISSING when that version's row or its payload is gone,
 * rather than an unexpected failure on the missing bytes.
 */
export async function versionCredentials(
  db: Db,
  keyring: MasterKeyring,
  secret: Pick<SecretRow, 'id' | 'team_id'>,
  version: number | null,
): Promise<CredentialPlaintext[]> {
  const payload = version === null ? undefined : await secretRepository.findSecretPayload(db, secret.id, version);
  const { ciphertext, iv, auth_tag, wrapped_data_key, master_key_id } = payload ?? {};
  if (version === null || !ciphertext || !iv || !auth_tag || !wrapped_data_key || !master_key_id) {
    throw new ConflictError(
      `The stored payload of version ${version} of this secret is missing: its values cannot be read. Restore it, or store new credentials with rotateSecret`,
      ErrorCode.PAYLOAD_MISSING,
    );
  }
  const binding = { teamId: secret.team_id, secretId: secret.id, version };
  return openCredentials(keyring, { ciphertext, iv, auth_tag, wrapped_data_key, master_key_id }, binding);
}

/** The credentials of the secret's CURRENT version (key edits, no-op detection, `cli run`, remasking). */
export function currentCredentials(
  db: Db,
  keyring: MasterKeyring,
  secret: Pick<SecretRow, 'id' | 'team_id' | 'payload_version'>,
): Promise<CredentialPlaintext[]> {
  return versionCredentials(db, keyring, secret, secret.payload_version);
}

/** Stored pairs with the env var each sets under `method`: a storage field's conventional name, an ENV key itself. */
export function withEnvVars(method: AuthMethod, pairs: readonly CredentialPlaintext[]): CredentialValue[] {
  const envVarOf = new Map(credentialFieldsFor(method).map((field) => [field.name, field.envVar]));
  return pairs.map(({ name, value }) => ({ name, envVar: envVarOf.get(name) ?? name, value }));
}

/** Whether the secret's current version holds exactly `values`, in that order; a missing payload holds nothing. */
export async function holdsCredentials(
  db: Db,
  keyring: MasterKeyring,
  secret: Pick<SecretRow, 'id' | 'team_id' | 'payload_version'>,
  values: readonly CredentialPlaintext[],
): Promise<boolean> {
  let stored: CredentialPlaintext[];
  try {
    stored = await currentCredentials(db, keyring, secret);
  } catch (error) {
    if (error instanceof ConflictError && error.code === ErrorCode.PAYLOAD_MISSING) return false;
    throw error;
  }
  return (
    stored.length === values.length &&
    stored.every((pair, index) => pair.name === values[index]!.name && pair.value === values[index]!.value)
  );
}
