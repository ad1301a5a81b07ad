import { sql, type Kysely } from 'kysely';

/**
 * Version stages, restore and destroy (DESIGN §6.1).
 *
 * Stages are columns of the secret, one per stage, so "each stage on at most one version" holds
 * by construction: `payload_version` (named before stages existed) is CURRENT, beside it
 * `pending_version` and `previous_version`. Checks keep the three on distinct versions; composite
 * foreign keys (deferred to commit, since a secret row and its first version are written in one
 * transaction) keep PENDING and PREVIOUS on versions that exist. CURRENT gets no foreign key: a
 * version row lost to a partial restore must stay answerable as PAYLOAD_MISSING (and rewrap/remask
 * skip such rows), as it was before. EXTERNAL_VAULT secrets, which had no `payload_version`, now
 * name their newest version CURRENT too (it holds no payload: the field mappings are the secret's).
 *
 * Each version keeps what its stage moves need without decrypting: its auth method
 * (VERSION_NOT_RESTORABLE), its own masked previews (`credential_fields`; only the CURRENT
 * version's are known for versions stored before this migration, older ones stay null),
 * `restored_from` and `destroyed_at` (a destroyed version has no payload).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table secret_versions drop constraint secret_versions_reason_check`.execute(db);
  await sql`alter table secret_versions add constraint secret_versions_reason_check check (reason in ('CREATE', 'UPDATE', 'ROTATE', 'RESTORE'))`.execute(
    db,
  );
  await db.schema
    .alterTable('secret_versions')
    .addColumn('auth_method', 'text')
    .addColumn('credential_fields', 'jsonb')
    .addColumn('restored_from', 'integer')
    .addColumn('destroyed_at', sql`timestamptz(3)`)
    .execute();
  await sql`update secret_versions set auth_method = secrets.auth_method from secrets where secrets.id = secret_versions.secret_id`.execute(
    db,
  );
  await sql`alter table secret_versions alter column auth_method set not null`.execute(db);
  await sql`
    update secret_versions set credential_fields = secrets.credential_fields
    from secrets
    where secrets.id = secret_versions.secret_id and secrets.storage = 'NATIVE' and secrets.payload_version = secret_versions.version
  `.execute(db);
  await sql`
    alter table secret_versions
      add constraint secret_versions_restored_from_fkey foreign key (secret_id, restored_from) references secret_versions (secret_id, version),
      add constraint secret_versions_restored_from_check check (restored_from < version),
      add constraint secret_versions_destroyed_check check (destroyed_at is null or ciphertext is null)
  `.execute(db);

  await sql`
    update secrets set payload_version = (select max(version) from secret_versions where secret_versions.secret_id = secrets.id)
    where payload_version is null
  `.execute(db);
  await db.schema.alterTable('secrets').addColumn('pending_version', 'integer').addColumn('previous_version', 'integer').execute();
  await sql`
    alter table secrets
      add constraint secrets_pending_version_fkey foreign key (id, pending_version) references secret_versions (secret_id, version)
        deferrable initially deferred,
      add constraint secrets_previous_version_fkey foreign key (id, previous_version) references secret_versions (secret_id, version)
        deferrable initially deferred,
      add constraint secrets_stages_distinct check (
        pending_version <> payload_version and previous_version <> payload_version and pending_version <> previous_version
      )
  `.execute(db);
}

/** Down keeps restored versions (as UPDATE) and forgets stages, previews per version and destroy marks. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table secrets
      drop constraint secrets_stages_distinct,
      drop constraint secrets_previous_version_fkey,
      drop constraint secrets_pending_version_fkey,
      drop column pending_version,
      drop column previous_version
  `.execute(db);
  await sql`update secrets set payload_version = null where storage = 'EXTERNAL_VAULT'`.execute(db);
  await sql`
    alter table secret_versions
      drop constraint secret_versions_destroyed_check,
      drop constraint secret_versions_restored_from_check,
      drop constraint secret_versions_restored_from_fkey,
      drop column auth_method,
      drop column credential_fields,
      drop column restored_from,
      drop column destroyed_at
  `.execute(db);
  await sql`update secret_versions set reason = 'UPDATE' where reason = 'RESTORE'`.execute(db);
  await sql`alter table secret_versions drop constraint secret_versions_reason_check`.execute(db);
  await sql`alter table secret_versions add constraint secret_versions_reason_check check (reason in ('CREATE', 'UPDATE', 'ROTATE'))`.execute(
    db,
  );
}
