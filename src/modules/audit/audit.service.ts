import { randomUUID } from 'node:crypto';
import type { Context, RequestMeta, Viewer } from '../../graphql/context.ts';
import type { Db } from '../../database/database.ts';
import { parsePageArgs, toConnection, type PageArgs } from '../../graphql/pagination.ts';
import { authorize } from '../auth/auth.service.ts';
import { auditEventHash } from './audit-chain.ts';
import * as auditRepository from './audit.repository.ts';
import { appendToOutbox } from '../events/outbox.ts';
import type { AuditEventRow, AuditFilter } from './audit.repository.ts';

/** Who did it: a user through a token, or the operator at the CLI (both null). */
export interface AuditActor {
  viewer: Viewer | null;
  meta: RequestMeta | null;
  /**
   * Teams whose event stream this actor's request appended to: the request wakes their
   * subscribers once it has finished (its transactions ended). Absent: the streams' poll finds them.
   */
  teamsWithNewEvents?: Set<string>;
}

/** The operator at the CLI, acting with server-side access: no user, no token, no request. */
export const OPERATOR: AuditActor = { viewer: null, meta: null };

export interface AuditEntry {
  teamId: string | null;
  /** `<target>.<verb>`, e.g. `team.updated`, `member.added`; for refusals, the action refused (`secret:write`). */
  action: string;
  targetType: string;
  targetId: string | null;
  /** Names of the fields that changed, never their values. */
  changedFields?: string[];
  targetVersion?: number | null;
  /** @default 'SUCCESS' */
  outcome?: 'SUCCESS' | 'DENIED';
  /** The owner of the PRIVATE secret acted on: the team event reaches them alone. */
  privateTo?: string | null;
}

/** A team's versioned object as its audit events name it. */
export interface AuditedObject {
  team_id: string;
  id: string;
  /** The version the change left it at (for a delete, the version deleted). */
  version: number;
  /** A secret's: PRIVATE makes its events its owner's alone. */
  visibility?: 'TEAM' | 'PRIVATE';
  owner_id?: string | null;
}

/** `recordAuditEvent` for a change to a team's versioned object (secret, location, vault connection, workspace, webhook). */
export async function recordObjectEvent(
  db: Db,
  actor: AuditActor,
  targetType: string,
  action: string,
  object: AuditedObject,
  changedFields?: string[],
  outcome?: AuditEntry['outcome'],
): Promise<string> {
  return recordAuditEvent(db, actor, {
    teamId: object.team_id,
    action,
    targetType,
    targetId: object.id,
    ...(changedFields && { changedFields }),
    targetVersion: object.version,
    ...(outcome && { outcome }),
    privateTo: object.visibility === 'PRIVATE' ? (object.owner_id ?? null) : null,
  });
}

/** Longest request metadata (User-Agent, request id, client address) an audit row keeps, in characters. */
const MAX_AUDIT_META_CHARS = 256;

/**
 * Request metadata as stored: at most MAX_AUDIT_META_CHARS characters. The trail is append-only
 * and kept forever, and a client chooses its User-Agent (15 KB a row otherwise). Cut on code
 * points, so a cut never leaves half a surrogate pair.
 */
function capAuditMeta(value: string | null | undefined): string | null {
  if (value == null) return null;
  if (value.length <= MAX_AUDIT_META_CHARS) return value;
  return Array.from(value).slice(0, MAX_AUDIT_META_CHARS).join('');
}

/**
 * Appends one event to the audit trail, chained to the team's previous event, and a successful
 * team one to the team's event stream too (the outbox: subscriptions and webhooks read it).
 * Call it inside the transaction of the change it describes, as its last write, so that the
 * change and its records commit or fail together. Answers the event's id (the team event's too).
 */
export async function recordAuditEvent(db: Db, actor: AuditActor, entry: AuditEntry): Promise<string> {
  await auditRepository.lockAuditChain(db, entry.teamId);
  const prevHash = await auditRepository.findLastAuditHash(db, entry.teamId);
  const row = {
    id: randomUUID(),
    team_id: entry.teamId,
    actor_user_id: actor.viewer?.userId ?? null,
    actor_token_id: actor.viewer?.tokenId ?? null,
    action: entry.action,
    target_type: entry.targetType,
    target_id: entry.targetId,
    changed_fields: entry.changedFields ?? [],
    target_version: entry.targetVersion ?? null,
    outcome: entry.outcome ?? 'SUCCESS',
    request_id: capAuditMeta(actor.meta?.requestId),
    client_ip: capAuditMeta(actor.meta?.clientIp),
    user_agent: capAuditMeta(actor.meta?.userAgent),
    created_at: new Date(),
  };
  await auditRepository.insertAuditEvent(db, { ...row, prev_hash: prevHash, hash: auditEventHash(prevHash, row) });
  if (row.team_id === null || row.outcome !== 'SUCCESS') return row.id;
  // Under the audit-chain lock taken above: the stream's `seq` is gapless and in commit order.
  await appendToOutbox(db, {
    id: row.id,
    team_id: row.team_id,
    type: row.action,
    occurred_at: row.created_at,
    actor_user_id: row.actor_user_id,
    actor_token_id: row.actor_token_id,
    target_type: row.target_type,
    target_id: row.target_id,
    target_version: row.target_version,
    changed_fields: row.changed_fields,
    private_to: entry.privateTo ?? null,
  });
  actor.teamsWithNewEvents?.add(row.team_id);
  return row.id;
}

/** Records a refused attempt in its own transaction (the refused change never opened one). */
export async function recordDenial(ctx: Context, teamId: string, action: string): Promise<void> {
  await ctx.db
    .transaction()
    .execute((trx) => recordAuditEvent(trx, ctx, { teamId, action, targetType: 'Team', targetId: teamId, outcome: 'DENIED' }));
}

/** The team's trail, newest first (ADMIN and OWNER). */
export async function listTeamAuditEvents(ctx: Context, teamId: string, args: PageArgs & { filter?: AuditFilter | null }) {
  await authorize(ctx, teamId, 'audit:read');
  const page = parsePageArgs(args, 'bigint');
  const rows = await auditRepository.listAuditEvents(ctx.db, teamId, args.filter ?? {}, page);
  return toConnection(
    rows,
    page,
    (row) => [String(row.seq), row.id],
    (row) => row,
  );
}

/** One event, if the viewer may read its team's trail (as `Team.auditEvents`); null otherwise, as for unknown ids. */
export async function loadAuditEvent(ctx: Context, id: string): Promise<AuditEventRow | null> {
  return ctx.loaders.auditEvent.load(id);
}

export interface ChainVerdict {
  events: number;
  ok: boolean;
  /** The first event whose hash does not match its contents and predecessor. */
  firstBrokenEventId: string | null;
}

/** Recomputes a team's chain from its first event; any edited, removed or reordered row breaks it. */
export async function verifyAuditChain(db: Db, teamId: string): Promise<ChainVerdict> {
  let prev: Buffer | null = null;
  let afterSeq: string | null = null;
  let events = 0;
  for (;;) {
    const batch: AuditEventRow[] = await auditRepository.readAuditChain(db, teamId, afterSeq, 1000);
    for (const row of batch) {
      events += 1;
      // PGlite returns bytea as a plain Uint8Array, pg as a Buffer.
      const prevHash = row.prev_hash && Buffer.from(row.prev_hash);
      const linked = prevHash === null || prev === null ? prevHash === prev : prevHash.equals(prev);
      if (!linked || !auditEventHash(prev, row).equals(row.hash)) return { events, ok: false, firstBrokenEventId: row.id };
      prev = Buffer.from(row.hash);
    }
    if (batch.length < 1000) return { events, ok: true, firstBrokenEventId: null };
    afterSeq = String(batch.at(-1)!.seq);
  }
}
