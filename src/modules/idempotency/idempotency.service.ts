import { createHmac } from 'node:crypto';
import type { Context } from '../../graphql/context.ts';
import type { Db } from '../../database/database.ts';
import { ConflictError, ErrorCode, NotFoundError } from '../../errors.ts';
import * as idempotencyRepository from './idempotency.repository.ts';

/** JSON with object keys sorted, so that equal inputs hash alike whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * HMAC of the request under a key derived from a master key: inputs carry credentials, and a
 * plain hash of a short secret could be reversed by guessing; this cannot without the master key.
 */
function requestHash(masterKey: Buffer, input: unknown): Buffer {
  const hashKey = createHmac('sha256', masterKey).update('cloakroom:idempotency:v1').digest();
  return createHmac('sha256', hashKey).update(canonicalJson(input)).digest();
}

/**
 * Whether `input` is what was hashed into `stored`: under the current master key, or under a
 * previous one, since the first request may have come before a master-key rotation (the keyring
 * keeps old keys while CLOAKROOM_PREVIOUS_MASTER_KEYS lists them). A retry whose first request was hashed under a key
 * the keyring no longer holds cannot be told from another input: IDEMPOTENCY_KEY_REUSED.
 */
function hashedFrom(ctx: Context, stored: Buffer, input: unknown): boolean {
  return [ctx.keyring.current, ...ctx.keyring.previous].some((masterKey) => requestHash(masterKey, input).equals(stored));
}

/** What every create that is safe to retry takes besides its own fields. */
export interface IdempotentInput {
  /** The same key and input again within 24 hours returns this create's result without a second write. */
  idempotencyKey?: string | null | undefined;
}

export interface IdempotentCreate {
  /** The mutation, e.g. `createSecret`: keys are per user and operation. */
  operation: string;
  key: string | null | undefined;
  /** The mutation's whole input as given (the key too: a retry repeats it), hashed to tell a retry from a reuse. */
  input: unknown;
  /** The id the new object will get. */
  resultId: string;
}

/**
 * Inside a create's transaction, before it writes: with no key, or a key seen for the first time
 * (or more than 24 hours ago), returns null and the create proceeds. The same key again with the
 * same input returns the id of what the first request created, for the caller to answer with it
 * without writing; with another input it is a ConflictError IDEMPOTENCY_KEY_REUSED.
 */
async function replayedResult(ctx: Context, trx: Db, create: IdempotentCreate): Promise<string | null> {
  if (!create.key) return null;
  const hash = requestHash(ctx.keyring.current, create.input);
  const claim = { userId: ctx.viewer.userId, operation: create.operation, key: create.key, requestHash: hash, resultId: create.resultId };
  if (await idempotencyRepository.claimKey(trx, claim)) return null;
  const first = await idempotencyRepository.findKey(trx, claim.userId, claim.operation, claim.key);
  if (!hashedFrom(ctx, Buffer.from(first.request_hash), create.input)) {
    throw new ConflictError('This idempotency key was used with a different input in the last 24 hours', ErrorCode.IDEMPOTENCY_KEY_REUSED);
  }
  return first.result_id;
}

/**
 * A create made idempotent, in a transaction of its own: runs `create` unless the key replays an
 * earlier request, in which case it answers with what that request created (read again by `find`,
 * as `map` presents it), writing nothing.
 */
export async function createOnce<Row, T>(
  ctx: Context,
  spec: IdempotentCreate,
  find: (trx: Db, id: string) => Promise<Row | undefined>,
  map: (row: Row) => T,
  create: (trx: Db) => Promise<T>,
): Promise<T> {
  return ctx.db.transaction().execute(async (trx) => {
    const replayOf = await replayedResult(ctx, trx, spec);
    if (replayOf === null) return create(trx);
    const first = await find(trx, replayOf);
    if (!first) throw new NotFoundError('What the first request with this idempotency key created no longer exists');
    return map(first);
  });
}
