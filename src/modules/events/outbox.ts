import type { Db } from '../../database/database.ts';
import * as webhookRepository from '../webhook/webhook.repository.ts';
import * as eventsRepository from './events.repository.ts';
import type { NewTeamEvent } from './events.repository.ts';

/**
 * Writes a team event to the outbox (its team's stream) and a delivery of it for each webhook
 * that takes it, in the caller's transaction, under the team's audit-chain lock (see
 * `appendTeamEvent`). Answers false when its `dedupe_key` was already written (nothing is).
 */
export async function appendToOutbox(db: Db, event: NewTeamEvent): Promise<boolean> {
  if (!(await eventsRepository.appendTeamEvent(db, event))) return false;
  await webhookRepository.enqueueDeliveries(db, {
    id: event.id,
    team_id: event.team_id,
    type: event.type,
    target_id: event.target_id ?? null,
    private_to: event.private_to ?? null,
  });
  return true;
}
