import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, VersionedColumns } from '../../database/column-types.ts';

// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

/** A stored preview of one credential field; computed at write time so that reads never decrypt. */
export interface CredentialFieldPreview {
  name: string;
  envVar: string;
  maskedValue: string;
}

export interface FieldMapping {
  fieldName: string;
  reference: string;
}

export interface SecretTable extends VersionedColumns {
  id: Generated<string>;
  team_id: string;
  name: string;
  /** `nameKey(name)` (src/modules/shared/names.ts): what uniqueness and lookups by name compare. */
  name_key: string;
  description: string | null;
  secret_type: string;
  auth_method: string;
  storage: 'NATIVE' | 'EXTERNAL_VAULT';
  vault_connection_id: string | null;
  field_mappings: ColumnType<FieldMapping[] | null, string | null, string | null>;
  credential_fields: ColumnType<CredentialFieldPreview[], string, string>;
  /** The previews were masked by a migration and await `remaskPreviews` (db/migrations/0010_remask_previews.ts). */
  previews_stale: Generated<boolean>;
  /** The CURRENT stage: the version whose payload holds the live credentials (EXTERNAL_VAULT: the newest version, no payload). */
  payload_version: number | null;
  /** The PENDING stage: credentials staged by `rotateSecret(stage: PENDING)`, not live yet. */
  pending_version: Generated<number | null>;
  /** The PREVIOUS stage: the version that was CURRENT before the last stage move. */
  previous_version: Generated<number | null>;
  visibility: Generated<'TEAM' | 'PRIVATE'>;
  owner_id: string | null;
  service_slug: string | null;
  workspace_access: Generated<'ALL' | 'SOME' | 'NONE'>;
  last_rotated_at: Date | null;
  /** When the secret expires (`cli run` then refuses it: SECRET_EXPIRED); null = never. */
  expires_at: Date | null;
  /** The rotation policy: rotate this many days after the current version was stored; null = none. */
  rotation_every_days: number | null;
  /** When `deleteSecret` scheduled the secret for deletion; null = not scheduled. Set and cleared with `purge_at`. */
  deleted_at: Date | null;
  /** When the purge sweep may remove the secret and its versions (end of the recovery window). */
  purge_at: Date | null;
  /** `deleted_at is null`, computed by the database: what locations' foreign key requires (migration 0014). */
  live: ColumnType<boolean, never, never>;
}

export interface SecretVersionTable {
  secret_id: string;
  version: number;
  reason: 'CREATE' | 'UPDATE' | 'ROTATE' | 'RESTORE';
  /** The auth method its credentials are for (VERSION_NOT_RESTORABLE compares it with the secret's). */
  auth_method: string;
  /** Its own masked previews, stored at write time (null: stored before migration 0013 and not CURRENT then). */
  credential_fields: ColumnType<CredentialFieldPreview[] | null, string | null, string | null>;
  /** `restoreSecretVersion`: the version whose credentials this one holds again. */
  restored_from: Generated<number | null>;
  /** `destroySecretVersion`: when its payload was erased for good. */
  destroyed_at: Generated<Date | null>;
  ciphertext: Buffer | null;
  iv: Buffer | null;
  auth_tag: Buffer | null;
  wrapped_data_key: Buffer | null;
  master_key_id: string | null;
  created_at: CreatedAt;
  created_by: string | null;
}

export interface SecretWorkspaceTable {
  secret_id: string;
  workspace_id: string;
}
