/**
 * The purge of secrets whose recovery window has ended (DESIGN §6.1 soft delete): each secret
 * whose `purge_at` has come is removed with all its versions (they cascade), and a
 * `secret.purged` event is written in the same transaction, by the operator (no user, no token).
 * Every server runs it on a timer (`startPurgeSweep`, CLOAKROOM_PURGE_INTERVAL_MS) and so does
 * `cli purge`; rows are taken FOR UPDATE SKIP LOCKED, so any number of purgers may run at once,
 * each secret purged by exactly one of them, and a `restoreSecret` holding the row wins it.
 */
import type { Db } from '../../database/database.ts';
import { OPERATOR, recordObjectEvent } from '../audit/audit.service.ts';
import * as secretRepository from './secret.repository.ts';

export interface PurgeOptions {
  /** Secrets per transaction. @default 100 */
  batchSize?: number;
}

export interface PurgeResult {
  /** Secrets this run removed. */
  purged: number;
}

/** Removes every secret that is due and not held by another transaction; one `secret.purged` event each. */
export async function purgeDueSecrets(db: Db, options: PurgeOptions = {}): Promise<PurgeResult> {
  const batchSize = options.batchSize ?? 100;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  let purged = 0;
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      const due = await secretRepository.lockDueForPurge(trx, batchSize);
      for (const secret of due) {
        await secretRepository.deleteSecret(trx, secret.id);
        await recordObjectEvent(trx, OPERATOR, 'Secret', 'secret.purged', secret);
      }
      return due.length;
    });
    purged += done;
    if (done < batchSize) return { purged };
  }
}

/** A running sweep; `stop` waits for a pass in progress, so the database can be closed after it. */
export interface PurgeSweep {
  stop: () => Promise<void>;
}

/**
 * Runs `purgeDueSecrets` every `intervalMs` (the first pass after one interval). A failed pass is
 * reported to `onError` and the next one tries again; `onPurged` hears of passes that removed something.
 */
export function startPurgeSweep(
  db: Db,
  options: { intervalMs: number; onPurged: (result: PurgeResult) => void; onError: (error: unknown) => void },
): PurgeSweep {
  let running: Promise<void> | null = null;
  const pass = async () => {
    try {
      const result = await purgeDueSecrets(db);
      if (result.purged) options.onPurged(result);
    } catch (error) {
      options.onError(error);
    }
  };
  const timer = setInterval(() => {
    // A pass still running when the next is due: the next is skipped, not stacked.
    running ??= pass().finally(() => {
      running = null;
    });
  }, options.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
