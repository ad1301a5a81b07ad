import { resolveNodes } from '@pothos/plugin-relay';
import { builder } from '../../graphql/builder.ts';
import { isNodeType, toGlobalId } from '../../graphql/global-id.ts';
import { UserRef } from '../auth/auth.schema.ts';
import { loadUser } from '../auth/auth.service.ts';
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
    actor: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who did it; null for operator actions at the CLI and scheduled events.',
      resolve: (event, _args, ctx) => (event.actor_user_id ? loadUser(ctx, event.actor_user_id) : null),
    }),
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
    targetType: t.exposeString('target_type', { description: 'The type of the object it is about, e.g. `Secret`.' }),
    targetId: t.field({
      type: 'ID',
      nullable: true,
      description: 'The global id of the object it is about (it may since be deleted).',
      resolve: (event) => (event.target_id ? toGlobalId(event.target_type, event.target_id) : null),
    }),
    targetVersion: t.exposeInt('target_version', {
      nullable: true,
      description: 'The object’s `version` after the change (for a delete, the version deleted); null when none applies.',
    }),
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
