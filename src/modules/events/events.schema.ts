import { resolveNodes } from '@pothos/plugin-relay';
import { builder } from '../../graphql/builder.ts';
import { isNodeType, toGlobalId } from '../../graphql/global-id.ts';
import { userField } from '../auth/auth.schema.ts';
import { eventTargetFields } from '../audit/audit.schema.ts';
import { TeamRef } from '../team/team.schema.ts';
import type { TeamEventRow } from './events.repository.ts';
import { eventCursor, streamTeamEvents } from './events.service.ts';

export const TeamEventRef = builder.objectRef<TeamEventRow>('TeamEvent');
TeamEventRef.implement({
  description:
    'Something that happened in a team: a change (one per successful mutation, with its audit event) or a scheduled event (`secret.expiring`, `secret.expired`, `secret.rotation_due`). Metadata only, never a value.',
  fields: (t) => ({
    id: t.field({
      type: 'ID',
      description: 'Global id of the event; a change’s is that of its audit event’s row, under the type TeamEvent.',
      resolve: (event) => toGlobalId('TeamEvent', event.id),
    }),
    cursor: t.string({
      description: 'Opaque and ordered within the team: pass it as `teamEvents(after:)` to resume right after this event.',
      resolve: eventCursor,
    }),
    type: t.exposeString('type', {
      description:
        'The audit action (`secret.created`, `secret.rotated`, `location.deleted`, `member.added`, …) or a scheduled event: `secret.expiring` (7 days and 1 day before `expiresAt`; `changedFields` says which: `expiresIn7Days` or `expiresIn1Day`), `secret.expired`, `secret.rotation_due`.',
    }),
    occurredAt: t.expose('occurred_at', { type: 'DateTime', description: 'When it happened.' }),
    actor: userField(t, 'Who did it; null for operator actions at the CLI and scheduled events.', (event) => event.actor_user_id),
    target: t.field({
      type: builder.nodeInterfaceRef(),
      nullable: true,
      description:
        'The object it is about, as `node(id)` would answer it now: null once deleted, or when you cannot see it. `targetType` and `targetId` name it in every case.',
      resolve: async (event, _args, ctx, info) => {
        if (!event.target_id || !isNodeType(info.schema, event.target_type)) return null;
        const [node] = await resolveNodes(builder, ctx, info, [{ typename: event.target_type, id: event.target_id }]);
        return node ?? null;
      },
    }),
    ...eventTargetFields(t, 'the object it is about', 'the change'),
    changedFields: t.exposeStringList('changed_fields', { description: 'The names of the fields that changed, never their values.' }),
  }),
});

builder.subscriptionType({
  description:
    'Live streams over GraphQL-over-SSE (`Accept: text/event-stream`, Yoga’s default transport). Every subscription needs `Authorization: Bearer <token>`.',
});

builder.subscriptionField('teamEvents', (t) =>
  t.field({
    type: TeamEventRef,
    description:
      'The team’s events, in order: with `after`, first every event after that cursor (replayed from the database), then live ones as they commit, with no gap and no duplicate; without it, from now on. Any member may follow it; another member’s PRIVATE secrets’ events never reach you, and a scoped token receives only events about objects its scopes can read. The stream ends (error `ACCESS_REVOKED`) within 5 seconds of its token being revoked or expiring, or of its user leaving the team. Reconnect with the last `cursor` you received to miss nothing.',
    args: {
      teamId: t.arg.globalID({ for: TeamRef, required: true, description: 'The team to follow.' }),
      after: t.arg.string({ description: 'The `cursor` of the last event you received: the stream starts right after it.' }),
      types: t.arg.stringList({
        description: 'Only events of these types (`secret.rotated`, …); the cursor still moves past the others. At most 50.',
      }),
    },
    subscribe: (_root, args, ctx) => streamTeamEvents(ctx, args.teamId.id, { after: args.after, types: args.types }),
    resolve: (event) => event,
  }),
);
