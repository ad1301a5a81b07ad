// This module's tables as Kysely sees them (snake_case, like the SQL); `Database` (src/database/database.ts) gathers every module's.

/** An envelope-encrypted payload: AES-256-GCM under a data key that the master key wraps. */
export interface SealedColumns {
  ciphertext: Buffer;
  iv: Buffer;
  auth_tag: Buffer;
  wrapped_data_key: Buffer;
  master_key_id: string;
}
