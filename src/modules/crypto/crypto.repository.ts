/**
 * The rows that hold wrapped data keys (secret_versions with a payload, vault_connections,
 * webhooks' signing secrets), as
 * `cli rewrap` reads and updates them. Only `wrapped_data_key` and `master_key_id` ever change
 * here: ciphertexts, versions and timestamps stay as they are.
 */
import type { Db } from '../../database/database.ts';

/** The tables whose rows carry a wrapped data key under a primary key `id`. */
export type IdKeyedSealedTable = 'vault_connections' | 'webhooks';
/** The tables whose rows carry a wrapped data key. */
export type SealedTable = 'secret_versions' | IdKeyedSealedTable;
const SEALED_TABLES: readonly SealedTable[] = ['secret_versions', 'vault_connections', 'webhooks'];

export type SecretVersionKey = readonly [secretId: string, version: number];
export type IdKey = readonly [id: string];

interface WrappedKey {
  wrappedDataKey: Buffer;
  masterKeyId: string;
}

/** One wrapped data key awaiting re-wrapping, and the row (table and primary key) it belongs to. */
export type WrappedKeyRow =
  (WrappedKey & { table: 'secret_versions'; key: SecretVersionKey }) | (WrappedKey & { table: IdKeyedSealedTable; key: IdKey });

/** What to lock: rows after `after` (primary key order) wrapped by one of `keyIds`, at most `limit`. */
export interface LockBatch<K> {
  keyIds: readonly string[];
  after: K | undefined;
  limit: number;
}

/** bytea is a Buffer on PostgreSQL and a plain Uint8Array on PGlite. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Locks the next secret_versions rows whose data key is wrapped by one of `keyIds`, in primary
 * key order. FOR NO KEY UPDATE (what the update takes anyway: foreign-key checks of concurrent
 * inserts are not blocked) SKIP LOCKED (rows a server transaction holds are left for a later
 * pass, never waited for: no lock waits, no deadlocks).
 */
export async function lockSecretVersionKeys(
  db: Db,
  batch: LockBatch<SecretVersionKey>,
): Promise<Extract<WrappedKeyRow, { table: 'secret_versions' }>[]> {
  if (!batch.keyIds.length) return [];
  let query = db
    .selectFrom('secret_versions')
    .select(['secret_id', 'version', 'wrapped_data_key', 'master_key_id'])
    .where('master_key_id', 'in', batch.keyIds)
    .where('wrapped_data_key', 'is not', null);
  if (batch.after) {
    const [secretId, version] = batch.after;
    query = query.where((eb) => eb(eb.refTuple('secret_id', 'version'), '>', eb.tuple(secretId, version)));
  }
  const rows = await query.orderBy('secret_id').orderBy('version').limit(batch.limit).forNoKeyUpdate().skipLocked().execute();
  return rows.map((row) => ({
    table: 'secret_versions' as const,
    key: [row.secret_id, row.version] as const,
    wrappedDataKey: toBuffer(row.wrapped_data_key!),
    masterKeyId: row.master_key_id!,
  }));
}

/** As lockSecretVersionKeys, for a table keyed by `id` (vault_connections, webhooks). */
export function lockIdKeyedKeys(table: IdKeyedSealedTable) {
  return async (db: Db, batch: LockBatch<IdKey>): Promise<Extract<WrappedKeyRow, { table: IdKeyedSealedTable }>[]> => {
    if (!batch.keyIds.length) return [];
    // Both tables have these columns; Kysely's types need one table named.
    let query = db
      .selectFrom(table as 'vault_connections')
      .select(['id', 'wrapped_data_key', 'master_key_id'])
      .where('master_key_id', 'in', batch.keyIds);
    if (batch.after) query = query.where('id', '>', batch.after[0]);
    const rows = await query.orderBy('id').limit(batch.limit).forNoKeyUpdate().skipLocked().execute();
    return rows.map((row) => ({
      table,
      key: [row.id] as const,
      wrappedDataKey: toBuffer(row.wrapped_data_key),
      masterKeyId: row.master_key_id,
    }));
  };
}

/**
 * Stores a re-wrapped data key, only if the row is still wrapped by `fromKeyId` (so a row that
 * changed meanwhile is left alone). Returns whether the row was updated.
 */
export async function updateWrappedKey(
  db: Db,
  row: WrappedKeyRow,
  update: { wrappedDataKey: Buffer; masterKeyId: string },
): Promise<boolean> {
  const set = { wrapped_data_key: update.wrappedDataKey, master_key_id: update.masterKeyId };
  if (row.table === 'secret_versions') {
    const [secretId, version] = row.key;
    const result = await db
      .updateTable('secret_versions')
      .set(set)
      .where('secret_id', '=', secretId)
      .where('version', '=', version)
      .where('master_key_id', '=', row.masterKeyId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
  const [id] = row.key;
  const result = await db
    .updateTable(row.table as 'vault_connections')
    .set(set)
    .where('id', '=', id)
    .where('master_key_id', '=', row.masterKeyId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** How many rows of each table are wrapped by each master key other than `currentKeyId`. */
export async function countKeysNotWrappedBy(
  db: Db,
  currentKeyId: string,
): Promise<{ table: SealedTable; masterKeyId: string; rows: number }[]> {
  const perTable = await Promise.all(
    SEALED_TABLES.map((table) =>
      db
        .selectFrom(table as 'vault_connections')
        .select((eb) => ['master_key_id', eb.fn.countAll<string>().as('rows')])
        .where('master_key_id', 'is not', null)
        .where('master_key_id', '<>', currentKeyId)
        .groupBy('master_key_id')
        .orderBy('master_key_id')
        .execute(),
    ),
  );
  const counts = (table: SealedTable, rows: { master_key_id: string | null; rows: string }[]) =>
    rows.map((row) => ({ table, masterKeyId: row.master_key_id!, rows: Number(row.rows) }));
  return SEALED_TABLES.flatMap((table, index) => counts(table, perTable[index]!));
}
