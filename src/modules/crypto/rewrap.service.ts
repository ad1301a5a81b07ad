/**
 * `cli rewrap`: moves every data key to the keyring's current master key after a rotation
 * (DESIGN §3). Only the wrapped data key and its master key id change; ciphertexts, versions,
 * timestamps and audit trail stay as they are, so nothing a client sees changes.
 *
 * Resumable and safe beside running servers: it works in small batches, each its own
 * transaction, over rows whose key id differs from the current one (a stopped run simply
 * continues where it was). Rows a server transaction holds are skipped (SKIP LOCKED) and retried
 * in a later pass, never waited for; each update is guarded by the old key id.
 */
import { ConfigError } from '../../config.ts';
import type { Db } from '../../database/database.ts';
import * as cryptoRepository from './crypto.repository.ts';
import type { LockBatch, SealedTable, WrappedKeyRow } from './crypto.repository.ts';
import { DecryptionError, keyId, rewrapDataKey, type MasterKeyring } from './envelope.ts';

export interface RewrapOptions {
  /** Rows per transaction. @default 200 */
  batchSize?: number;
  /** Stop after this many batches (what an interrupted run looks like). @default unlimited */
  maxBatches?: number;
}

export interface RewrapResult {
  /** Data keys re-wrapped by this run. */
  rewrapped: number;
  /** Rows still wrapped by another master key afterwards. */
  remaining: number;
  /** `keyId` of the current master key: every re-wrapped row now carries it. */
  currentKeyId: string;
}

/** A master key id that rows carry and the keyring does not hold. */
export interface UnknownMasterKey {
  masterKeyId: string;
  rows: number;
}

/** A row whose data key did not unwrap although its master key is in the keyring (tampered or damaged). */
export interface DamagedRow {
  table: SealedTable;
  key: readonly (string | number)[];
  masterKeyId: string;
}

/**
 * Some rows cannot be re-wrapped with this keyring: their master key is not in it, or their
 * wrapped data key does not open. They were left untouched (everything else was re-wrapped).
 * An operator fixes it, so it is a ConfigError: the CLI prints the message and exits 1.
 */
export class RewrapIncompleteError extends ConfigError {
  override name = 'RewrapIncompleteError';
  readonly result: RewrapResult;
  readonly unknownKeys: UnknownMasterKey[];
  readonly damagedRows: DamagedRow[];
  constructor(result: RewrapResult, unknownKeys: UnknownMasterKey[], damagedRows: DamagedRow[]) {
    const problems: string[] = [];
    if (unknownKeys.length) {
      const rows = unknownKeys.reduce((sum, key) => sum + key.rows, 0);
      const ids = unknownKeys.map((key) => `${key.masterKeyId} (${key.rows} ${key.rows === 1 ? 'row' : 'rows'})`).join(', ');
      problems.push(
        `${rows} ${rows === 1 ? 'row is' : 'rows are'} wrapped by master keys not in the keyring: ${ids}. ` +
          'Add those keys to CLOAKROOM_PREVIOUS_MASTER_KEYS and run rewrap again.',
      );
    }
    if (damagedRows.length) {
      const rows = damagedRows.map((row) => `${row.table}(${row.key.join(', ')}) under ${row.masterKeyId}`).join('; ');
      problems.push(
        `${damagedRows.length} wrapped data ${damagedRows.length === 1 ? 'key does' : 'keys do'} not open with a key of the keyring (damaged or tampered), left as they are: ${rows}.`,
      );
    }
    super(`rewrap incomplete: re-wrapped ${result.rewrapped} data keys, ${result.remaining} rows remain. ${problems.join(' ')}`);
    this.result = result;
    this.unknownKeys = unknownKeys;
    this.damagedRows = damagedRows;
  }
}

const DEFAULT_BATCH_SIZE = 200;
/**
 * Passes over the tables: the first does the work; later ones only pick up rows that a server
 * transaction held (skipped) or wrote with an old key meanwhile. Bounded, so that a server still
 * writing with an old current key cannot keep the run going: `remaining` reports what is left.
 */
const MAX_PASSES = 3;

/**
 * Re-wraps every data key not wrapped by `keyring.current` whose master key is in
 * `keyring.previous`. Throws RewrapIncompleteError when rows remain that this keyring cannot
 * re-wrap (after re-wrapping all the others). Never reads or returns a plaintext payload.
 */
export async function rewrapDataKeys(db: Db, keyring: MasterKeyring, options: RewrapOptions = {}): Promise<RewrapResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const currentKeyId = keyId(keyring.current);
  const oldKeyIds = [...new Set(keyring.previous.map(keyId))].filter((id) => id !== currentKeyId);

  let batches = 0;
  const budgetLeft = () => options.maxBatches === undefined || batches < options.maxBatches;
  const damaged = new Map<string, DamagedRow>();

  /** One pass over one table in primary-key order, a batch per transaction; returns how many it re-wrapped. */
  async function rewrapTable<R extends WrappedKeyRow>(lock: (trx: Db, batch: LockBatch<R['key']>) => Promise<R[]>): Promise<number> {
    let done = 0;
    let after: R['key'] | undefined;
    while (budgetLeft()) {
      batches++;
      const rows = await db.transaction().execute(async (trx) => {
        const locked = await lock(trx, { keyIds: oldKeyIds, after, limit: batchSize });
        for (const row of locked) {
          let update;
          try {
            update = rewrapDataKey(keyring, row);
          } catch (error) {
            if (!(error instanceof DecryptionError)) throw error;
            damaged.set(`${row.table}:${row.key.join(':')}`, { table: row.table, key: row.key, masterKeyId: row.masterKeyId });
            continue;
          }
          if (await cryptoRepository.updateWrappedKey(trx, row, update)) done++;
        }
        return locked;
      });
      if (rows.length < batchSize) break;
      after = rows.at(-1)!.key;
    }
    return done;
  }

  let rewrapped = 0;
  for (let pass = 0; pass < MAX_PASSES && budgetLeft(); pass++) {
    const done =
      (await rewrapTable(cryptoRepository.lockSecretVersionKeys)) +
      (await rewrapTable(cryptoRepository.lockIdKeyedKeys('vault_connections'))) +
      (await rewrapTable(cryptoRepository.lockIdKeyedKeys('webhooks')));
    rewrapped += done;
    if (done === 0) break;
  }

  const left = await cryptoRepository.countKeysNotWrappedBy(db, currentKeyId);
  const result = { rewrapped, remaining: left.reduce((sum, row) => sum + row.rows, 0), currentKeyId };
  const unknown = new Map<string, number>();
  for (const row of left)
    if (!oldKeyIds.includes(row.masterKeyId)) unknown.set(row.masterKeyId, (unknown.get(row.masterKeyId) ?? 0) + row.rows);
  if (unknown.size || damaged.size) {
    throw new RewrapIncompleteError(
      result,
      [...unknown].map(([masterKeyId, rows]) => ({ masterKeyId, rows })),
      [...damaged.values()],
    );
  }
  return result;
}
