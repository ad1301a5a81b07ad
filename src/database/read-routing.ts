import type { Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../http/logger.ts';
import type { Database } from './database.ts';
import { currentWalLsn, standbyState } from './replication.repository.ts';

/**
 * Which database each request reads from, with a streaming replica (DATABASE_REPLICA_URL):
 * queries read from the replica, mutations (and everything inside them) use the primary, and
 * a viewer who has just written reads from the primary until the replica has replayed that write.
 */
export interface ReadRouting {
  /**
   * The database a query of `userId` reads from: the replica when it is up, lags at most
   * `maxLagMs`, and has replayed every write of theirs still remembered; else the primary.
   */
  readerFor(userId: string): Promise<Kysely<Database>>;
  /** After a mutation of `userId`: their reads stay on the primary until the replica has replayed it. */
  recordWrite(userId: string): Promise<void>;
  /** A read failed on the replica (gone, restarting): skip it until a probe finds it healthy again. */
  markDown(): void;
  /** Stops probing. */
  close(): void;
}

export interface ReadRoutingOptions {
  primary: Kysely<Database>;
  replica: Kysely<Database>;
  /** Past this lag the replica is skipped (CLOAKROOM_REPLICA_MAX_LAG_MS). @default 5000 */
  maxLagMs?: number;
  /** Where each viewer's last write position is kept: this process, or Redis so that every instance honours it. */
  store?: 'memory' | Redis;
  /** How often the replica's position and lag are read. @default 200 ms */
  probeIntervalMs?: number;
  /** Prefix of the Redis keys. @default 'cloakroom:last-write' */
  keyPrefix?: string;
  logger?: Logger;
}

/**
 * How long a viewer's write position is remembered. Once the replica lags less than `maxLagMs` it
 * has replayed anything this old; one lagging more is skipped altogether.
 */
const REMEMBER_WRITES_MS = 60_000;
/** A probe that has not answered by then counts as a replica down. */
const PROBE_TIMEOUT_MS = 1_000;
/** A position past any other (sortable form): the viewer reads from the primary until it is forgotten. */
const UNKNOWN_POSITION = 'FFFFFFFFFFFFFFFF';

/** "16/B374D848" → a fixed-width hex string that sorts like the position (Redis compares strings). */
function sortableLsn(lsn: string): string {
  const [high = '0', low = '0'] = lsn.split('/');
  return high.padStart(8, '0').toUpperCase() + low.padStart(8, '0').toUpperCase();
}

/**
 * Keeps the larger of the stored and the given position: two writes finishing on two instances
 * out of order must not leave the earlier one's.
 */
const KEEP_LATEST = `local current = redis.call('GET', KEYS[1])
if (not current) or current < ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/**
 * How long the oldest WAL the replica has received but not replayed has been waiting, from the
 * positions each probe sees. (`now() - pg_last_xact_replay_timestamp()` would count the idle time
 * before a write as lag: a replica a few milliseconds behind would look minutes late.)
 */
function replayLag() {
  /** Received positions not yet replayed, oldest first, each with when a probe first saw it. */
  const waiting: { position: string; seenAt: number }[] = [];
  return {
    of(replayed: string, received: string | null): number {
      const now = Date.now();
      if (received !== null && received > replayed && waiting.at(-1)?.position !== received) {
        waiting.push({ position: received, seenAt: now });
        if (waiting.length > 1000) waiting.shift();
      }
      while (waiting.length > 0 && waiting[0]!.position <= replayed) waiting.shift();
      return waiting.length > 0 ? now - waiting[0]!.seenAt : 0;
    },
  };
}

export function createReadRouting({
  primary,
  replica,
  maxLagMs = 5000,
  store = 'memory',
  probeIntervalMs = 200,
  keyPrefix = 'cloakroom:last-write',
  logger,
}: ReadRoutingOptions): ReadRouting {
  // Every write is remembered here too: this instance's own viewers never wait on Redis for theirs.
  const lastWrites = new LRUCache<string, string>({ max: 100_000, ttl: REMEMBER_WRITES_MS });
  /** The replica's replayed position, sortable; null while it is down, lagging or not yet probed. */
  let replayed: string | null = null;
  let probing = false;
  const lag = replayLag();
  let reportedDown = false;

  const setReplayed = (position: string | null, reason?: string) => {
    replayed = position;
    if (position === null && !reportedDown) logger?.warn({ reason }, 'read replica skipped: reads go to the primary');
    if (position !== null && reportedDown) logger?.info('read replica back: queries read from it again');
    reportedDown = position === null;
  };

  const probe = async () => {
    if (probing) return;
    probing = true;
    try {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS).unref(),
      );
      const state = await Promise.race([standbyState(replica), timeout]);
      if (state.replayed === null) return setReplayed(null, 'not a standby (pg_last_wal_replay_lsn() is null)');
      const lagMs = lag.of(sortableLsn(state.replayed), state.received === null ? null : sortableLsn(state.received));
      if (lagMs > maxLagMs) setReplayed(null, `lagging ${lagMs} ms (more than ${maxLagMs})`);
      else setReplayed(sortableLsn(state.replayed));
    } catch (error) {
      setReplayed(null, (error as Error).message);
    } finally {
      probing = false;
    }
  };
  const timer = setInterval(() => void probe(), probeIntervalMs);
  timer.unref();
  void probe();

  const key = (userId: string) => `${keyPrefix}:${userId}`;

  const lastWriteOf = async (userId: string): Promise<string | null> => {
    const local = lastWrites.get(userId) ?? null;
    if (store === 'memory') return local;
    // Redis unreachable: the write may have gone through another instance, so assume it is not replayed yet.
    const shared = await store.get(key(userId)).catch(() => UNKNOWN_POSITION);
    return [local, shared].reduce<string | null>(
      (latest, position) => (position && (!latest || position > latest) ? position : latest),
      null,
    );
  };

  return {
    async readerFor(userId) {
      const position = replayed;
      if (position === null) return primary;
      const lastWrite = await lastWriteOf(userId);
      return lastWrite === null || lastWrite <= position ? replica : primary;
    },
    async recordWrite(userId) {
      let position: string;
      try {
        position = sortableLsn(await currentWalLsn(primary));
      } catch (error) {
        // The write itself committed (or failed) already; its answer must not fail now.
        logger?.warn({ error: (error as Error).message }, 'could not read the primary WAL position after a mutation');
        position = UNKNOWN_POSITION;
      }
      const local = lastWrites.get(userId);
      if (!local || local < position) lastWrites.set(userId, position);
      if (store !== 'memory')
        await store.eval(KEEP_LATEST, 1, key(userId), position, String(REMEMBER_WRITES_MS)).catch((error: unknown) => {
          logger?.warn({ error: (error as Error).message }, 'could not share a write position through Redis');
        });
    },
    markDown() {
      setReplayed(null, 'a read failed on it');
    },
    close() {
      clearInterval(timer);
    },
  };
}
