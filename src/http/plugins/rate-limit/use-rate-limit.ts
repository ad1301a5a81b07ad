import type { IncomingMessage } from 'node:http';
import { GraphQLError, OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Context } from '../../../graphql/context.ts';
import { clientAddressResolver } from '../../client-address.ts';
import { rootFieldsOf, type GlobalRef, type RootField } from '../root-fields.ts';
import { RATE_LIMIT_DEFAULTS, type RateLimitBudget, type RateLimitOptions } from './options.ts';
import { createCounter } from './store.ts';

type Kind = 'queries' | 'mutations';
type Scope = 'token' | 'user' | 'team' | 'ip';

/** What the X-RateLimit-* headers of one response say. */
interface Snapshot {
  limit: number;
  remaining: number;
  /** Seconds until the window of this counter ends. */
  resetSeconds: number;
}

interface Bucket {
  scope: Scope;
  limiter: RateLimiterAbstract;
  points: number;
}

/** One charge of an operation: `cost` points from `bucket`'s counter `key`. */
interface Charge {
  bucket: Bucket;
  key: string;
  cost: number;
}

const SCOPE_WORDS: Record<Scope, string> = {
  token: 'this API token',
  user: 'your user (all your tokens together)',
  team: 'your team (all its members together)',
  ip: 'requests without a valid token from your address',
};

function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function rateLimited(message: string, retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'RATE_LIMITED', http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } } },
  });
}

/**
 * Rate limits, decided before any resolver runs. Fixed windows (`windowSeconds`) counted by
 * rate-limiter-flexible, in memory or in Redis (`store`).
 *
 * - **Authenticated operations** are counted in `onExecute`, where both the viewer (the context is
 *   built) and the operation (the document is parsed and valid) are known, and nothing has
 *   executed yet. A query costs one point; a mutation one point per root field (20 aliased
 *   `rotateSecret` cost 20; useMutationFieldLimit caps how many one operation holds), in the
 *   `queries` or the stricter `mutations` budget of its token and its user.
 * - **Teams** are charged only for operations on them: a team is targeted when a root field's
 *   `ID` arguments (variables included) name it or one of its objects (`teamOfObject`) and the
 *   viewer is one of its members. A mutation costs each team one point per root field targeting
 *   it, a query one point per team it targets. Operations that name no team (`viewer`,
 *   `createTeam`, tokens, invitations) spend only the token's and user's budgets, which bound
 *   them. So no one can spend a team's budget without being its member and acting on it, and a
 *   member of several teams spends from the team they work on only.
 * - Over any counter: a top-level `RATE_LIMITED` error, HTTP 429 and `Retry-After`, and the
 *   operation does not run. A refused operation spends nothing: every counter gets its points
 *   back, so a runaway token stopped by its own limit does not drain its user's and teams'
 *   budgets as well.
 * - **Unauthenticated requests** (401, and documents refused by parsing or validation sent without
 *   a valid token) count against the client IP (the socket's address). Once an
 *   IP has spent its budget, every request from it, valid token or not, is refused with 429
 *   *before* authentication until the window ends, so that a right guess cannot be told apart from
 *   a wrong one. Behind a reverse proxy every client has the proxy's address: raise
 *   `unauthenticatedPerIp` there, or turn it off (0).
 * - **Headers**: every GraphQL response that got this far carries `X-RateLimit-Limit`,
 *   `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the window ends, a delta like
 *   `Retry-After`, not an epoch), for the counter closest to its limit among those the request was
 *   counted in; a request that was never authenticated (a syntax or validation error, a 401) shows
 *   its IP's unauthenticated budget.
 * - **Store failures** never fail a request: with Redis unreachable each limiter counts in this
 *   process's memory (rate-limiter-flexible's insurance limiter), so limits still hold per instance
 *   (up to N times the budget across N instances) while the API stays available; any other
 *   limiter error lets the request through and is logged.
 */
export function useRateLimit(options: RateLimitOptions = {}): Plugin {
  const store = options.store ?? 'memory';
  const windowSeconds = options.windowSeconds ?? RATE_LIMIT_DEFAULTS.windowSeconds;
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1)
    throw new Error(`windowSeconds must be a whole number of seconds ≥ 1, got ${windowSeconds}`);
  // `??`, not a spread: a budget read from an unset environment variable holds `undefined`.
  const budget = (given: RateLimitBudget | undefined, defaults: Required<RateLimitBudget>): Required<RateLimitBudget> => ({
    queries: given?.queries ?? defaults.queries,
    mutations: given?.mutations ?? defaults.mutations,
  });
  const perToken = budget(options.perToken, RATE_LIMIT_DEFAULTS.perToken);
  const perUser = budget(options.perUser, { queries: perToken.queries * 2, mutations: perToken.mutations * 2 });
  const perTeam = budget(options.perTeam, RATE_LIMIT_DEFAULTS.perTeam);
  const unauthenticatedPerIp = options.unauthenticatedPerIp ?? RATE_LIMIT_DEFAULTS.unauthenticatedPerIp;
  const keyPrefix = options.keyPrefix ?? RATE_LIMIT_DEFAULTS.keyPrefix;
  const { teamsOf, teamOfObject, logger } = options;
  const teamsOfUser = new LRUCache<string, readonly string[]>({ max: 10_000, ttl: options.teamsCacheMs ?? 5000 });
  const cachedTeamsOf = async (context: Context): Promise<readonly string[]> => {
    let teams = teamsOfUser.get(context.viewer.userId);
    if (!teams && teamsOf) teamsOfUser.set(context.viewer.userId, (teams = await teamsOf(context)));
    return teams ?? [];
  };

  /**
   * The viewer's teams that the root fields target, each with how many fields target it. Ids of
   * teams the viewer is not in (or of objects they cannot see) target nothing.
   */
  const targetedTeams = async (
    context: Context,
    operation: OperationTypeNode,
    fields: readonly RootField[],
  ): Promise<Map<string, number>> => {
    const mine = new Set(await cachedTeamsOf(context));
    // All at once, so that the lookups batch (teamOfObject answers through per-request dataloaders).
    const teamOf = (ref: GlobalRef, field: RootField) =>
      ref.typename === 'Team' ? ref.id : teamOfObject ? teamOfObject(context, ref, operation, field) : null;
    const teamsPerField = await Promise.all(fields.map((field) => Promise.all(field.refs.map((ref) => teamOf(ref, field)))));
    const counts = new Map<string, number>();
    for (const teams of teamsPerField) {
      for (const teamId of new Set(teams)) if (teamId && mine.has(teamId)) counts.set(teamId, (counts.get(teamId) ?? 0) + 1);
    }
    return counts;
  };

  const bucket = (scope: Scope, counts: Kind | 'unauthenticated', points: number): Bucket | undefined => {
    const made = createCounter(store, { points, windowSeconds, keyPrefix: `${keyPrefix}:${scope}:${counts}` });
    return made && { scope, limiter: made, points };
  };
  const buckets = {
    token: { queries: bucket('token', 'queries', perToken.queries), mutations: bucket('token', 'mutations', perToken.mutations) },
    user: { queries: bucket('user', 'queries', perUser.queries), mutations: bucket('user', 'mutations', perUser.mutations) },
    team: teamsOf
      ? { queries: bucket('team', 'queries', perTeam.queries), mutations: bucket('team', 'mutations', perTeam.mutations) }
      : { queries: undefined, mutations: undefined },
  };
  const ipBucket = bucket('ip', 'unauthenticated', unauthenticatedPerIp);
  const clientAddressOf = options.clientAddressOf ?? clientAddressResolver([]);
  const clientIpOf = (serverContext: unknown) =>
    clientAddressOf((serverContext as { req?: IncomingMessage } | undefined)?.req) ?? 'unknown';

  /** The headers' counter of each request: the IP's until the request is authenticated and counted. */
  const snapshots = new WeakMap<Request, { ip?: Snapshot; operation?: Snapshot }>();
  const stateOf = (request: Request) => {
    let state = snapshots.get(request);
    if (!state) snapshots.set(request, (state = {}));
    return state;
  };
  const snapshotOf = (points: number, res: RateLimiterRes | null): Snapshot => ({
    limit: points,
    remaining: res ? Math.max(0, points - res.consumedPoints) : points,
    resetSeconds: res ? secondsUntil(res.msBeforeNext) : windowSeconds,
  });
  const failOpen = (error: unknown, what: string) => {
    logger?.error({ err: error }, `rate limiter failed (${what}): request let through`);
  };

  return {
    // Before parsing and authentication: refuse an address that has used up its unauthenticated budget.
    onParams: async ({ request, context, setResult }) => {
      if (!ipBucket) return;
      const ip = clientIpOf(context);
      let res: RateLimiterRes | null;
      try {
        res = await ipBucket.limiter.get(ip);
      } catch (error) {
        return failOpen(error, 'ip check');
      }
      const snapshot = snapshotOf(ipBucket.points, res);
      stateOf(request).ip = snapshot;
      if (res && res.consumedPoints >= ipBucket.points) {
        setResult({
          errors: [
            rateLimited(
              `Too many requests without a valid token from your address (at most ${ipBucket.points} per ${windowSeconds} s): retry in ${snapshot.resetSeconds} s`,
              snapshot.resetSeconds,
            ),
          ],
        });
      }
    },

    // The context is built (authenticated) and the document valid: count the operation, or refuse it.
    onExecute: async ({ args, setResultAndStopExecution }) => {
      const context = args.contextValue as unknown as Partial<Context> & { request?: Request };
      const { viewer, request } = context;
      if (!viewer || !request) return;
      const root = rootFieldsOf(args.schema, args.document, args.operationName, args.variableValues);
      const kind: Kind = root?.operation === OperationTypeNode.MUTATION ? 'mutations' : 'queries';
      const fields = root?.fields ?? [];
      // At least one point: `mutation { __typename }` is still a request.
      const cost = kind === 'mutations' ? Math.max(1, fields.length) : 1;

      const charges: Charge[] = [];
      const tokenBucket = buckets.token[kind];
      const userBucket = buckets.user[kind];
      const teamBucket = buckets.team[kind];
      if (tokenBucket) charges.push({ bucket: tokenBucket, key: viewer.tokenId, cost });
      if (userBucket) charges.push({ bucket: userBucket, key: viewer.userId, cost });
      if (teamBucket && root && fields.length) {
        try {
          for (const [teamId, fieldCount] of await targetedTeams(context as Context, root.operation, fields)) {
            charges.push({ bucket: teamBucket, key: teamId, cost: kind === 'mutations' ? fieldCount : 1 });
          }
        } catch (error) {
          failOpen(error, 'team lookup');
        }
      }
      if (!charges.length) return;

      const outcomes = await Promise.all(
        charges.map(async (charge) => {
          try {
            return { ...charge, res: await charge.bucket.limiter.consume(charge.key, charge.cost), over: false };
          } catch (rejection) {
            if (rejection instanceof RateLimiterRes) return { ...charge, res: rejection, over: true };
            failOpen(rejection, `${charge.bucket.scope} ${kind}`);
            return undefined;
          }
        }),
      );
      const known = outcomes.filter((outcome) => outcome !== undefined);
      if (!known.length) return;

      const over = known.filter((outcome) => outcome.over);
      if (over.length) {
        // A refused operation spends nothing: every counter gets its points back (the exhausted
        // ones too, so a 10-field operation refused does not also block a 1-field one that fits).
        await Promise.all(
          known.map(({ bucket, key, cost: points }) =>
            bucket.limiter.reward(key, points).catch((error: unknown) => failOpen(error, 'refund')),
          ),
        );
        // Allowed again once every exhausted counter has reset.
        const last = over.reduce((a, b) => (b.res.msBeforeNext > a.res.msBeforeNext ? b : a));
        const snapshot = { ...snapshotOf(last.bucket.points, last.res), remaining: 0 };
        stateOf(request).operation = snapshot;
        setResultAndStopExecution({
          errors: [
            rateLimited(
              `Rate limit exceeded: at most ${last.bucket.points} ${kind} per ${windowSeconds} s for ${SCOPE_WORDS[last.bucket.scope]}${last.cost > 1 ? ` (this operation costs ${last.cost})` : ''}; retry in ${snapshot.resetSeconds} s`,
              snapshot.resetSeconds,
            ),
          ],
        });
        return;
      }
      // The headers tell of the counter closest to its limit.
      const candidates = known.map((outcome) => snapshotOf(outcome.bucket.points, outcome.res));
      stateOf(request).operation = candidates.reduce((a, b) =>
        b.remaining < a.remaining || (b.remaining === a.remaining && b.resetSeconds > a.resetSeconds) ? b : a,
      );
    },

    // A request that failed authentication, or failed before it (a document that does not parse
    // or validate) without a valid token, spends from its address's budget: probing the API costs
    // the same whether or not the prober bothers to be well-formed.
    onExecutionResult: async ({ request, result, context }) => {
      if (!ipBucket || !result || !('errors' in result) || !result.errors?.length) return;
      const codes = result.errors.map((error) => error.extensions?.['code']);
      if (codes.includes('RATE_LIMITED')) return;
      if (!codes.includes('UNAUTHENTICATED')) {
        // A built context has a viewer: the request was authenticated and its errors are its own business.
        if ((context as { viewer?: unknown }).viewer || !options.isAuthenticated) return;
        try {
          if (await options.isAuthenticated(request)) return;
        } catch (error) {
          return failOpen(error, 'token check');
        }
      }
      let snapshot: Snapshot;
      try {
        snapshot = snapshotOf(ipBucket.points, await ipBucket.limiter.consume(clientIpOf(context)));
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) return failOpen(rejection, 'ip count');
        snapshot = { ...snapshotOf(ipBucket.points, rejection), remaining: 0 };
      }
      stateOf(request).ip = snapshot;
    },

    onResponse: ({ request, response }) => {
      const state = snapshots.get(request);
      const snapshot = state?.operation ?? state?.ip;
      if (!snapshot) return;
      response.headers.set('X-RateLimit-Limit', String(snapshot.limit));
      response.headers.set('X-RateLimit-Remaining', String(snapshot.remaining));
      response.headers.set('X-RateLimit-Reset', String(snapshot.resetSeconds));
    },
  };
}
