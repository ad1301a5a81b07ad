import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AuditEventTable } from './audit.tables.ts';

/** The columns of an audit row that its hash covers (every column but the hashes and `seq`). */
export type HashedAuditFields = Omit<Selectable<AuditEventTable>, 'seq' | 'prev_hash' | 'hash'>;

/**
 * SHA-256 over the previous row's hash and this row's fields in a fixed order (JSON, so no two
 * different rows encode alike). Changing, removing or reordering any row breaks every later link.
 */
export function auditEventHash(prevHash: Buffer | null, row: HashedAuditFields): Buffer {
  const fields = [
    prevHash?.toString('hex') ?? null,
    row.id,
    row.team_id,
    row.actor_user_id,
    row.actor_token_id,
    row.action,
    row.target_type,
    row.target_id,
    row.changed_fields,
    row.target_version,
    row.outcome,
    row.request_id,
    row.client_ip,
    row.user_agent,
    row.created_at.toISOString(),
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest();
}
