import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../database/database.ts';
import type { Logger } from '../../http/logger.ts';
import { startPeriodicJob } from '../shared/periodic-job.ts';
import * as auditRepository from '../audit/audit.repository.ts';
import type { TeamEventHub } from './event-hub.ts';
import * as eventsRepository from './events.repository.ts';
import { appendToOutbox } from './outbox.ts';

/** Due events written per pass; the next pass takes the rest. */
const PASS_SIZE = 500;

/**
 * Writes the scheduled events due at `now` (`secret.expiring` 7 days and 1 day before
 * `expiresAt`, `secret.expired`, `secret.rotation_due`) into their teams' streams, each once
 * however many servers run this at the same moment: its `dedupe_key` is unique, and the loser's
 * insert does nothing. Each is written under its team's audit-chain lock, like every team event,
 * so that `seq` stays gapless and in commit order. Answers how many this call wrote.
 */
export async function emitDueEvents(db: Kysely<Database>, hub: TeamEventHub | null, now: Date = new Date()): Promise<number> {
  const due = await eventsRepository.listDueSecretEvents(db, now, PASS_SIZE);
  const teams = new Set<string>();
  let count = 0;
  for (const event of due) {
    const written = await db.transaction().execute(async (trx) => {
      await auditRepository.lockAuditChain(trx, event.team_id);
      return appendToOutbox(trx, {
        id: randomUUID(),
        team_id: event.team_id,
        type: event.type,
        occurred_at: new Date(),
        target_type: 'Secret',
        target_id: event.secret_id,
        target_version: event.version,
        changed_fields: [event.detail],
        private_to: event.private_to,
        dedupe_key: event.dedupe_key,
      });
    });
    if (written) {
      count += 1;
      teams.add(event.team_id);
    }
  }
  hub?.notify(teams);
  return count;
}

export interface ScheduledEventsOptions {
  db: Kysely<Database>;
  events: TeamEventHub;
  logger: Logger;
  /** Time between passes (CLOAKROOM_SCHEDULED_EVENTS_INTERVAL_MS). @default 60_000 */
  intervalMs?: number;
}

/** Runs `emitDueEvents` now and every `intervalMs` until stopped; every server runs it (the database keeps each event single). */
export function startScheduledEvents({ db, events, logger, intervalMs = 60_000 }: ScheduledEventsOptions): { stop(): Promise<void> } {
  return startPeriodicJob('scheduled team events pass', logger, intervalMs, async () => {
    const written = await emitDueEvents(db, events);
    if (written) logger.info({ written }, 'scheduled team events written');
    return written >= PASS_SIZE;
  });
}
