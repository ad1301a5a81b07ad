import { sql } from 'kysely';
import type { Db } from '../../database/database.ts';

export interface IdempotencyClaim {
  userId: string;
  operation: string;
  key: string;
  requestHash: Buffer;
  resultId: string;
}

/**
 * Claims a key for a new result: inserts it, or takes over a key older than 24 hours. A
 * concurrent claim of the same key waits here until the first transaction ends.
 * @returns true when this call now holds the key
 */
export async function claimKey(db: Db, claim: IdempotencyClaim): Promise<boolean> {
  const row = await db
    .insertInto('idempotency_keys')
    .values({
      user_id: claim.userId,
      operation: claim.operation,
      key: claim.key,
      request_hash: claim.requestHash,
      result_id: claim.resultId,
    })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'operation', 'key'])
        .doUpdateSet({ request_hash: claim.requestHash, result_id: claim.resultId, created_at: sql<Date>`now()` })
        .where('idempotency_keys.created_at', '<', sql<Date>`now() - interval '24 hours'`),
    )
    .returning('result_id')
    .executeTakeFirst();
  return row?.result_id === claim.resultId;
}

export async function findKey(db: Db, userId: string, operation: string, key: string) {
  return db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'result_id'])
    .where('user_id', '=', userId)
    .where('operation', '=', operation)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
}
