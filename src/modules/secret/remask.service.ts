/**
 * Derives masked previews anew from the sealed payloads after a migration replaced them by the
 * fixed mask (db/migrations/0010_remask_previews.ts): run by the server at start, after
 * migrations, and by `cli remask`. Idempotent (only rows marked `previews_stale`), batched (each
 * batch its own transaction) and safe beside running servers: rows a server transaction holds
 * are skipped (SKIP LOCKED) and picked up by a later pass. Not audited, like `cli rewrap`: no
 * value, version or setting of a secret changes, only what its preview shows of the same value.
 */
import type { Db } from '../../database/database.ts';
import { AppError, ErrorCode } from '../../errors.ts';
import { DecryptionError, type MasterKeyring } from '../crypto/envelope.ts';
import { maskValue } from './credential-masking.ts';
import * as secretRepository from './secret.repository.ts';
import { currentCredentials } from './secret-payload.ts';

export interface RemaskOptions {
  /** Secrets per transaction. @default 100 */
  batchSize?: number;
}

export interface RemaskResult {
  /** Secrets whose previews this run derived anew. */
  remasked: number;
  /**
   * Secrets still showing the fixed mask: their payload did not open with this keyring (a master
   * key it lacks, a missing payload) or a transaction held them throughout. Run again.
   */
  remaining: number;
}

/**
 * Passes over the stale rows: the first does the work; later ones pick up rows a server
 * transaction held. Bounded, as rows that cannot be opened stay stale.
 */
const MAX_PASSES = 3;

/** Recomputes every stale preview it can from the sealed payloads; never returns or logs a value. */
export async function remaskPreviews(db: Db, keyring: MasterKeyring, options: RemaskOptions = {}): Promise<RemaskResult> {
  const batchSize = options.batchSize ?? 100;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  let remasked = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let done = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await db.transaction().execute(async (trx) => {
        const locked = await secretRepository.lockStalePreviews(trx, after, batchSize);
        for (const row of locked) {
          let values;
          try {
            values = new Map((await currentCredentials(trx, keyring, row)).map(({ name, value }) => [name, value]));
          } catch (error) {
            // Left showing the fixed mask (safe) and counted in `remaining`; everything else goes on.
            if (error instanceof DecryptionError || (error instanceof AppError && error.code === ErrorCode.PAYLOAD_MISSING)) continue;
            throw error;
          }
          const previews = row.credential_fields.map((field) => {
            const value = values.get(field.name);
            return { ...field, maskedValue: value === undefined ? field.maskedValue : maskValue(value) };
          });
          await secretRepository.storeRemaskedPreviews(trx, row, JSON.stringify(previews));
          done++;
        }
        return locked;
      });
      if (rows.length < batchSize) break;
      after = rows.at(-1)!.id;
    }
    remasked += done;
    if (done === 0) break;
  }
  return { remasked, remaining: await secretRepository.countStalePreviews(db) };
}
