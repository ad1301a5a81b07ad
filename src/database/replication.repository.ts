import { sql } from 'kysely';
import type { Db } from './database.ts';

/** The primary's WAL position now: after a commit, at or past that commit's record. */
export async function currentWalLsn(db: Db): Promise<string> {
  const { rows } = await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(db);
  return rows[0]!.lsn;
}

export interface StandbyState {
  /** WAL replayed so far (what queries see); null when the server is not a standby. */
  replayed: string | null;
  /** WAL received from the primary; null when not streaming. */
  received: string | null;
}

/** Where a hot standby is in receiving and replaying its primary's WAL. */
export async function standbyState(db: Db): Promise<StandbyState> {
  const { rows } = await sql<StandbyState>`select
      pg_last_wal_replay_lsn()::text as replayed,
      pg_last_wal_receive_lsn()::text as received`.execute(db);
  return rows[0]!;
}
