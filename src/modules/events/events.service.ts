import { GraphQLError } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { createLoaders, type Context, type Viewer } from '../../graphql/context.ts';
import { isUuid } from '../../graphql/global-id.ts';
import { authorize } from '../auth/auth.service.ts';
import { READ_ACTION, roleMayPerform, scopesAllow } from '../auth/permissions.ts';
import type { Role } from '../team/team.tables.ts';
import * as eventsRepository from './events.repository.ts';
import type { TeamEventRow } from './events.repository.ts';

/** How often a stream checks that its token is live and its user still a member. @default 2_000 (a revoked token or removed member ends it within 5 s, with room for a slow check) */
export const STREAM_ACCESS_CHECK_MS = 2_000;

/** Events read from the database at a time while replaying. */
const REPLAY_BATCH = 100;

/** Live events a stream holds for its client before it drops them and reads them again from the database. */
const MAX_PENDING = 1_000;

/** At most this many `types`, each at most this long: the filter is compared per event. */
const MAX_TYPES = 50;
const MAX_TYPE_LENGTH = 100;

const CURSOR_PREFIX = 'te1:';

/** The opaque cursor of a team's event: its team and `seq` (ordered within the team). */
export function eventCursor(row: Pick<TeamEventRow, 'team_id' | 'seq'>): string {
  return Buffer.from(`${CURSOR_PREFIX}${row.team_id}:${row.seq}`).toString('base64url');
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** The `seq` an `after` cursor names; a cursor of another team's stream, or anything else, is refused. */
function seqOfCursor(cursor: string, teamId: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^te1:([0-9a-f-]{36}):([1-9]\d{0,15})$/.exec(text);
  if (!match || match[1] !== teamId || !Number.isSafeInteger(Number(match[2])))
    throw badInput('`after` must be the `cursor` of an event of this team’s stream');
  return Number(match[2]);
}

/** Why a stream stopped before its client did. */
function accessEnded(): GraphQLError {
  return new GraphQLError('The stream ended: its token was revoked or has expired, or its user is no longer a member of the team', {
    extensions: { code: 'ACCESS_REVOKED' },
  });
}

function checkTypes(types: readonly string[] | null | undefined): Set<string> | null {
  if (!types) return null;
  if (types.length > MAX_TYPES || types.some((type) => type.length === 0 || type.length > MAX_TYPE_LENGTH))
    throw badInput(`\`types\` takes at most ${MAX_TYPES} event types, each 1–${MAX_TYPE_LENGTH} characters`);
  return new Set(types);
}

/**
 * Whether the viewer may receive this event: a PRIVATE secret's events reach its owner only, and
 * otherwise whoever may read objects of its target's type, by role and token scopes (the team's
 * own events, about members and invitations, reach any member, as `Team.members` does).
 */
export function mayReceive(viewer: Viewer, role: Role, row: TeamEventRow): boolean {
  if (row.private_to !== null && row.private_to !== viewer.userId) return false;
  const action = READ_ACTION[row.target_type as keyof typeof READ_ACTION] ?? 'team:read';
  return roleMayPerform(role, action) && scopesAllow(viewer.scopes, action);
}

export interface TeamEventStreamArgs {
  after?: string | null | undefined;
  types?: readonly string[] | null | undefined;
}

/**
 * A team's events for `Subscription.teamEvents`: every event after `after` (or from now on),
 * replayed from the outbox, then live, in `seq` order, with no gap and no duplicate.
 *
 * Follows the team's feed first and replays second, so that nothing committed in between is
 * missed; a live event at or below what was already sent is skipped, and one past a gap (held
 * events dropped for a slow client) sends the database's rows first. Authorised at subscribe time
 * (any member: `event:read`), then per event (`mayReceive`), and every `accessCheckMs` the token
 * and the membership are read again (no cache): when either is gone, the stream ends.
 */
export async function streamTeamEvents(
  ctx: Context,
  teamId: string,
  args: TeamEventStreamArgs,
  accessCheckMs: number = STREAM_ACCESS_CHECK_MS,
): Promise<AsyncIterable<TeamEventRow>> {
  const types = checkTypes(args.types);
  if (!isUuid(teamId)) throw new GraphQLError('Team not found', { extensions: { code: 'NOT_FOUND' } });
  let role = await authorize(ctx, teamId, 'event:read');
  const { db, viewer } = ctx;
  // "From now on" is the moment of subscribing, before the client has its answer's headers: an
  // event it causes right after is after this.
  const startSeq = args.after ? seqOfCursor(args.after, teamId) : await eventsRepository.lastTeamEventSeq(db, teamId);

  return new Repeater<TeamEventRow>(async (push, stop) => {
    let stopped = false;
    void stop.then(() => (stopped = true));
    let pending: TeamEventRow[] = [];
    let wake: (() => void) | null = null;
    let needsReplay = true;
    const unfollow = await ctx.events.follow(
      teamId,
      (rows) => {
        if (pending.length + rows.length > MAX_PENDING) {
          pending = [];
          needsReplay = true;
        } else pending.push(...rows);
        wake?.();
      },
      () => void stop(),
    );
    try {
      let last = startSeq;
      let nextCheck = Date.now() + accessCheckMs;
      const send = async (row: TeamEventRow) => {
        last = Number(row.seq);
        if ((types && !types.has(row.type)) || !mayReceive(viewer, role, row)) return;
        // Each event resolves its fields (`target`, `actor`) with fresh loaders: the stream's
        // context lives for hours, and cached rows would answer with old names and visibility.
        ctx.loaders = createLoaders(db, viewer);
        await push(row);
      };
      while (!stopped) {
        if (needsReplay) {
          needsReplay = false;
          for (;;) {
            const rows = await eventsRepository.listTeamEventsAfter(db, teamId, last, REPLAY_BATCH);
            for (const row of rows) if (!stopped) await send(row);
            if (rows.length < REPLAY_BATCH || stopped) break;
          }
        }
        while (pending.length > 0 && !needsReplay && !stopped) {
          const row = pending.shift()!;
          const seq = Number(row.seq);
          if (seq <= last) continue;
          if (seq > last + 1) needsReplay = true;
          else await send(row);
        }
        if (needsReplay) continue;
        if (Date.now() >= nextCheck) {
          const current = await eventsRepository.findLiveTokenRole(db, viewer.tokenId, teamId);
          if (!current) throw accessEnded();
          role = current;
          nextCheck = Date.now() + accessCheckMs;
        }
        if (pending.length === 0 && !stopped) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            stop,
            new Promise<void>((resolve) => {
              wake = resolve;
              timer = setTimeout(resolve, Math.max(0, nextCheck - Date.now()));
            }),
          ]);
          clearTimeout(timer);
          wake = null;
        }
      }
    } finally {
      unfollow();
    }
    stop();
  });
}
