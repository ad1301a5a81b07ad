import { builder } from '../../graphql/builder.ts';
import { isUuid, toGlobalId } from '../../graphql/global-id.ts';
import { UserRef } from '../auth/auth.schema.ts';
import { loadUser } from '../auth/auth.service.ts';
import { TeamRef } from '../team/team.schema.ts';
import type { AuditEventRow } from './audit.repository.ts';
import { listTeamAuditEvents, loadAuditEvent } from './audit.service.ts';

const OutcomeEnum = builder.enumType('AuditOutcome', {
  values: { SUCCESS: { description: 'The change was made.' }, DENIED: { description: 'The viewer’s role refused it.' } },
});

const AuditEventRef = builder.objectRef<AuditEventRow>('AuditEvent');
builder.node(AuditEventRef, {
  description: 'One entry of the append-only, hash-chained audit trail. Field names only, never values. Visible to those who may read the team’s trail (ADMIN and OWNER, with a TEAM_ADMIN scope if the token is scoped).',
  id: { resolve: (event) => event.id },
  // Our dataloaders cache per request; Pothos's own node cache can hand out an unbranded object when one id is asked twice.
  loadManyWithoutCache: (ids, ctx) => Promise.all(ids.map((id) => loadAuditEvent(ctx, id))),
  fields: (t) => ({
    action: t.exposeString('action', { description: '`secret.created`, `location.updated`, … or, for DENIED, the permission refused (`secret:write`).' }),
    outcome: t.field({ type: OutcomeEnum, resolve: (event) => event.outcome }),
    actor: t.field({ type: UserRef, nullable: true, description: 'Null for operator actions at the CLI.', resolve: (event, _args, ctx) => (event.actor_user_id ? loadUser(ctx, event.actor_user_id) : null) }),
    actorTokenId: t.field({ type: 'ID', nullable: true, resolve: (event) => (event.actor_token_id ? toGlobalId('ApiToken', event.actor_token_id) : null) }),
    targetType: t.exposeString('target_type'),
    targetId: t.field({ type: 'ID', nullable: true, resolve: (event) => (event.target_id ? toGlobalId(event.target_type, event.target_id) : null) }),
    changedFields: t.exposeStringList('changed_fields'),
    targetVersion: t.exposeInt('target_version', { nullable: true }),
    requestId: t.exposeString('request_id', { nullable: true }),
    clientIp: t.exposeString('client_ip', { nullable: true }),
    userAgent: t.exposeString('user_agent', { nullable: true }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

const AuditFilterInput = builder.inputType('AuditEventFilter', {
  fields: (t) => ({
    action: t.string(),
    // Decoded without a type: an id that names nothing filters to nothing, as an unknown id does.
    actorId: t.globalID({ description: 'A User id.' }),
    targetId: t.globalID({ description: 'The id of any object.' }),
    since: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    until: t.field({ type: 'DateTime', description: 'Exclusive.' }),
  }),
});

/** The row id of a filter's id, or a uuid that matches nothing when it names nothing. */
function filterRowId(decoded: { id: string }): string {
  return isUuid(decoded.id) ? decoded.id : '00000000-0000-0000-0000-000000000000';
}

builder.objectField(TeamRef, 'auditEvents', (t) =>
  t.connection({
    type: AuditEventRef,
    description: 'Newest first. ADMIN and OWNER only.',
    args: { filter: t.arg({ type: AuditFilterInput }) },
    resolve: (team, { filter, ...args }, ctx) => {
      const decoded = filter && {
        ...filter,
        actorId: filter.actorId ? filterRowId(filter.actorId) : null,
        targetId: filter.targetId ? filterRowId(filter.targetId) : null,
      };
      return listTeamAuditEvents(ctx, team.id, { ...args, filter: decoded });
    },
  }),
);
