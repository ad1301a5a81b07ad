import { sql, type Kysely } from 'kysely';

/**
 * Masked previews under the stricter rule (at most a quarter of a value, nothing under 16
 * characters: `maskValue` in src/modules/secret/credential-masking.ts). A migration holds no master
 * key and cannot open the sealed payloads, so it only makes sure nothing over-revealing is served
 * after it: every stored preview becomes the fixed mask `••••` and its row is marked
 * `previews_stale`. The server (at start) and `cli remask` then derive the real previews from
 * the sealed payloads with the keyring and clear the mark (src/modules/secret/remask.service.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('secrets')
    .addColumn('previews_stale', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`
    update secrets
    set previews_stale = true,
        credential_fields = (
          select coalesce(jsonb_agg(jsonb_set(field, '{maskedValue}', '"••••"'::jsonb) order by position), '[]'::jsonb)
          from jsonb_array_elements(credential_fields) with ordinality as fields(field, position)
        )
    where storage = 'NATIVE' and jsonb_array_length(credential_fields) > 0
  `.execute(db);
  // remask looks for the few stale rows among all secrets.
  await sql`create index secrets_previews_stale_idx on secrets (id) where previews_stale`.execute(db);
}

/** Down keeps the fixed masks (the old previews are gone), dropping only the mark. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('secrets').dropColumn('previews_stale').execute();
}
