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
  payload_version: number | null;
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
  reason: 'CREATE' | 'UPDATE' | 'ROTATE';
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
