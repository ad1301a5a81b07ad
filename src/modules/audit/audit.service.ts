import type { Db } from '../../database.ts';
import type { RequestMeta, Viewer } from '../../context.ts';
import { insertAuditEvent } from './audit.repository.ts';

/** Who did it: a user through a token, or the operator at the CLI (both null). */
export interface AuditActor {
  viewer: Viewer | null;
  meta: RequestMeta | null;
}

export interface AuditEntry {
  teamId: string | null;
  /** `<target>.<verb>`, e.g. `team.updated`, `member.added`. */
  action: string;
  targetType: string;
  targetId: string | null;
  /** Names of the fields that changed, never their values. */
  changedFields?: string[];
  targetVersion?: number | null;
}

/**
 * Appends one event to the audit trail. Call it inside the transaction of the change it
 * describes, so that the change and its record commit or fail together.
 */
export async function recordAuditEvent(db: Db, actor: AuditActor, entry: AuditEntry): Promise<void> {
  await insertAuditEvent(db, {
    team_id: entry.teamId,
    actor_user_id: actor.viewer?.userId ?? null,
    actor_token_id: actor.viewer?.tokenId ?? null,
    action: entry.action,
    target_type: entry.targetType,
    target_id: entry.targetId,
    changed_fields: entry.changedFields ?? [],
    target_version: entry.targetVersion ?? null,
    outcome: 'SUCCESS',
    request_id: actor.meta?.requestId ?? null,
    client_ip: actor.meta?.clientIp ?? null,
    user_agent: actor.meta?.userAgent ?? null,
  });
}
