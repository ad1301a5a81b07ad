import { builder, type BuilderTypes } from '../../graphql/builder.ts';
import { nodeOfId } from '../../graphql/node-loading.ts';
import { isUuid, toGlobalId } from '../../graphql/global-id.ts';
import { userField } from '../auth/auth.schema.ts';
import { TeamRef } from '../team/team.schema.ts';
import type { AuditEventRow } from './audit.repository.ts';
import { listTeamAuditEvents, loadAuditEvent } from './audit.service.ts';

/** The columns an audit event and a team event share about the object they concern. */
type EventTarget = Pick<AuditEventRow, 'target_type' | 'target_id' | 'target_version'>;

/**
 * `targetType targetId targetVersion` of an event (AuditEvent, TeamEvent): `object` names the
 * object it concerns ("the object acted on"), `after` what set its version ("the action").
 */
export function eventTargetFields<T extends EventTarget>(
  t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, T>,
  object: string,
  after: string,
) {
  return {
    targetType: t.string({ description: `The type of ${object}, e.g. \`Secret\`.`, resolve: (event) => event.target_type }),
    targetId: t.field({
      type: 'ID',
      nullable: true,
      description: `The global id of ${object} (it may since be deleted).`,
      resolve: (event) => (event.target_id ? toGlobalId(event.target_type, event.target_id) : null),
    }),
    targetVersion: t.int({
      nullable: true,
      description: `The object’s \`version\` after ${after} (for a delete, the version deleted); null when none applies.`,
      resolve: (event) => event.target_version,
    }),
  };
}

const OutcomeEnum = builder.enumType('AuditOutcome', {
  description: 'Whether the audited action happened.',
  values: { SUCCESS: { description: 'The change was made.' }, DENIED: { description: 'The viewer’s role refused it.' } },
});

const AuditEventRef = builder.objectRef<AuditEventRow>('AuditEvent');
builder.node(AuditEventRef, {
  description:
    'One entry of the append-only, hash-chained audit trail. Field names only, never values. Visible to those who may read the team’s trail (ADMIN and OWNER, with a TEAM_ADMIN scope if the token is scoped).',
  ...nodeOfId(loadAuditEvent, 'Global id of the event.'),
  fields: (t) => ({
    action: t.exposeString('action', {
      description: '`secret.created`, `location.updated`, … or, for DENIED, the permission refused (`secret:write`).',
    }),
    outcome: t.field({
      type: OutcomeEnum,
      description: 'SUCCESS, or DENIED when the actor’s role or token refused it.',
      resolve: (event) => event.outcome,
    }),
    actor: userField(t, 'Null for operator actions at the CLI.', (event) => event.actor_user_id),
    actorTokenId: t.field({
      type: 'ID',
      nullable: true,
      description: 'The ApiToken id the request carried; null when no token was used (operator actions at the CLI).',
      resolve: (event) => (event.actor_token_id ? toGlobalId('ApiToken', event.actor_token_id) : null),
    }),
    ...eventTargetFields(t, 'the object acted on', 'the action'),
    changedFields: t.exposeStringList('changed_fields', {
      description: 'The names of the fields the action changed (never their values).',
    }),
    requestId: t.exposeString('request_id', {
      nullable: true,
      description: 'The request’s id (`extensions.requestId`, the logs’ `requestId`).',
    }),
    clientIp: t.exposeString('client_ip', { nullable: true, description: 'The client’s address (see CLOAKROOM_TRUSTED_PROXIES).' }),
    userAgent: t.exposeString('user_agent', { nullable: true, description: 'The client’s User-Agent header.' }),
    createdAt: t.expose('created_at', { type: 'DateTime', description: 'When it happened.' }),
  }),
});

const AuditFilterInput = builder.inputType('AuditEventFilter', {
  description: 'Only events that match every field given.',
  fields: (t) => ({
    action: t.string({ description: 'Exactly this action, e.g. `secret.updated`.' }),
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
    args: { filter: t.arg({ type: AuditFilterInput, description: 'Only events that match.' }) },
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
