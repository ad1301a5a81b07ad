import { useReadinessCheck, createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import { GraphQLError, OperationTypeNode } from 'graphql';
import type { IncomingMessage } from 'node:http';
import { sql, type Kysely } from 'kysely';
import { isDatabaseUnavailable } from '../database/database-errors.ts';
import type { Database } from '../database/database.ts';
import { AppError } from '../errors.ts';
import type { MasterKeyring } from '../modules/crypto/envelope.ts';
import { createOutboundGuard, type OutboundGuard } from '../modules/outbound/outbound-guard.ts';
import { errorFields, type Logger } from './logger.ts';
import { createContext, teamOfObject, type Context } from '../graphql/context.ts';
import { prefetchNode } from '../graphql/node-loading.ts';
import { authenticate } from '../modules/auth/auth.service.ts';
import { schema } from '../graphql/schema.ts';
import { useAccessLog } from './plugins/use-access-log.ts';
import { useBodyLimit } from './plugins/use-body-limit.ts';
import { useRequestParseErrors } from './plugins/use-request-parse-errors.ts';
import { useRequestDeadline } from './plugins/use-request-deadline.ts';
import { useCompressedHtml } from './plugins/use-compressed-html.ts';
import { useListArgumentLimit, useQueryLimits } from './plugins/use-query-limits.ts';
import { usePersistedOperationsOnly, type PersistedOperations } from './plugins/use-persisted-operations-only.ts';
import type { RateLimitOptions } from './plugins/rate-limit/options.ts';
import { useRateLimit } from './plugins/rate-limit/use-rate-limit.ts';
import { useResponseLimit } from './plugins/use-response-limit.ts';
import { useMutationFieldLimit } from './plugins/use-mutation-field-limit.ts';
import { useReadRouting } from './plugins/use-read-routing.ts';
import type { ReadRouting } from '../database/read-routing.ts';
import * as teamRepository from '../modules/team/team.repository.ts';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { requestIdOf, useRequestId } from './plugins/use-request-id.ts';
import { useSafeErrorMessages } from './plugins/use-safe-error-messages.ts';
import { useCompiledQueries } from './plugins/use-compiled-queries.ts';
import { useMetrics, type MetricsOptions } from './plugins/use-metrics.ts';
import { clientAddressResolver } from './client-address.ts';
import { createTeamEventHub, type TeamEventHub } from '../modules/events/event-hub.ts';
import { useTeamEventWakeups } from './plugins/use-team-event-wakeups.ts';
import { useSseHeartbeat } from './plugins/use-sse-heartbeat.ts';
import { graphiqlOptions, renderGraphiQLPage, type GraphiQLPageOptions } from './graphiql.ts';

export interface AppOptions {
  db: Kysely<Database>;
  /** Live team events (subscriptions): wake-ups through Redis across instances. @default a hub of this process alone */
  events?: TeamEventHub;
  /** Time between two heartbeats of an open event stream (useSseHeartbeat). @default 15_000 ms */
  sseHeartbeatMs?: number | undefined;
  keyring: MasterKeyring;
  logger: Logger;
  /** The guard of outbound requests (storage verification). @default createOutboundGuard() (public addresses only, Node's CAs) */
  outbound?: OutboundGuard;
  /** Origins whose pages may call the API. @default [] (no cross-origin access) */
  corsOrigins?: string[];
  /** Production mode: no GraphiQL, no introspection, no field suggestions. @default false */
  production?: boolean;
  /** When set, only these operations run (CLOAKROOM_PERSISTED_OPERATIONS). @default undefined (any operation) */
  persistedOperations?: PersistedOperations | undefined;
  /**
   * Rate limits per token, user, team and (unauthenticated) client IP; `false` turns them off.
   * @default {} (on: in memory, with useRateLimit's defaults)
   */
  rateLimit?: Omit<RateLimitOptions, 'teamsOf' | 'teamOfObject' | 'logger' | 'clientAddressOf'> | false;
  /** Whole-request deadline: past it, HTTP 503 REQUEST_TIMEOUT. @default 10_000 ms */
  requestTimeoutMs?: number;
  /** Largest response body: past it, HTTP 422 RESPONSE_TOO_LARGE and no data. @default 10_000_000 bytes */
  maxResponseBytes?: number | undefined;
  /** Run eligible queries compiled by graphql-jit (useCompiledQueries). @default true */
  compileQueries?: boolean;
  /** Proxies whose X-Forwarded-For is believed (see `clientAddressResolver`). @default [] (the socket's address) */
  trustedProxies?: readonly string[];
  /** Prometheus metrics (useMetrics): kept in `registry`, served at `endpoint` unless it is false. @default undefined (off) */
  metrics?: Pick<MetricsOptions, 'registry' | 'endpoint'> | undefined;
  /** Queries on a read replica (DATABASE_REPLICA_URL), see `createReadRouting`. @default undefined (everything on `db`) */
  readRouting?: ReadRouting | undefined;
  /** What GraphiQL pre-fills (see `graphiqlOptions`); unused in production, which serves no GraphiQL. @default {} (a header template) */
  graphiql?: GraphiQLPageOptions;
}

/** What the Node adapter adds to each request; absent under `yoga.fetch` in tests. */
export interface ServerContext {
  req?: IncomingMessage;
}

export type App = YogaServerInstance<ServerContext, Context>;

function unauthenticated(): GraphQLError {
  return new GraphQLError('A valid API token is required: send "Authorization: Bearer <token>"', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
  });
}

/**
 * Yoga's log calls: its own messages (fixed texts) as they are; an error only as `errorFields`, at
 * debug: maskError logs the unexpected ones, and the access log every answered error's code and path.
 */
function yogaLog(logger: Logger, level: 'debug' | 'info' | 'warn' | 'error', args: unknown[]): void {
  for (const arg of args) {
    if (arg instanceof Error) logger.debug({ err: arg }, 'graphql error');
    else logger[level](String(arg));
  }
}

/** The whole HTTP application: GraphQL at /graphql (GraphiQL on GET from a browser), /healthz and /readyz. */
export function createApp({
  db,
  keyring,
  logger,
  events = createTeamEventHub({ db, logger }),
  sseHeartbeatMs,
  outbound = createOutboundGuard(),
  corsOrigins = [],
  production = false,
  rateLimit = {},
  persistedOperations,
  requestTimeoutMs,
  maxResponseBytes,
  compileQueries = true,
  trustedProxies = [],
  metrics,
  graphiql = {},
  readRouting,
}: AppOptions): App {
  const clientAddressOf = clientAddressResolver(trustedProxies);
  // For requests refused before their context is built (parse and validation errors). The token
  // cache of `authenticate` makes a repeated check cheap.
  const hasValidToken = async (request: Request) => (await authenticate(db, request.headers.get('authorization'))) !== null;
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    // useBodyLimit below enforces the limit, streaming only bodies without a Content-Length;
    // Yoga's own (25 MB) pipes every body through a TransformStream: a fifth of a one-secret read's time.
    maxRequestBodySize: false,
    graphiql: production ? false : graphiqlOptions(graphiql),
    renderGraphiQL: renderGraphiQLPage,
    // Decided per request: given a list, Yoga allows every origin when it is empty, and answers an
    // unlisted origin with "Access-Control-Allow-Origin: null", which sandboxed pages match.
    // Bearer tokens only: no cookies, so credentials are never sent cross-origin by a browser on its own.
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !corsOrigins.includes(origin)) return false;
      return { origin, credentials: false, allowedHeaders: ['Authorization', 'Content-Type'] };
    },
    // Yoga logs each error maskError changes, as the error itself: `String(error)` would print the
    // document around its location, inline literals included.
    logging: {
      debug: (...args) => yogaLog(logger, 'debug', args),
      info: (...args) => yogaLog(logger, 'info', args),
      warn: (...args) => yogaLog(logger, 'warn', args),
      error: (...args) => yogaLog(logger, 'error', args),
    },
    maskedErrors: {
      isDev: false,
      maskError: (error, message) => {
        // An expected failure outside a mutation's result union (a query field): keep its code and message.
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof AppError && error instanceof GraphQLError) {
          return new GraphQLError(original.message, {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            path: error.path,
            extensions: { code: original.code },
          });
        }
        // The database is down or restarting: a typed, retryable 503 instead of a masked 500.
        if (isDatabaseUnavailable(original)) {
          logger.warn({ err: original }, 'database unavailable');
          return new GraphQLError('The database is unavailable; retry shortly', {
            nodes: error instanceof GraphQLError ? error.nodes : undefined,
            path: error instanceof GraphQLError ? error.path : undefined,
            extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': '5' } } },
          });
        }
        const masked = maskError(error, message, false);
        if (masked !== error) logger.error({ err: error }, 'unexpected error');
        return masked;
      },
    },
    context: async ({ request, req }) => {
      const viewer = await authenticate(db, request.headers.get('authorization'));
      if (!viewer) throw unauthenticated();
      return createContext({ db, keyring, outbound, events }, viewer, {
        requestId: requestIdOf(request),
        clientIp: clientAddressOf(req),
        userAgent: request.headers.get('user-agent'),
      });
    },
    plugins: [
      useRequestId(),
      useTeamEventWakeups(),
      useSseHeartbeat({ intervalMs: sseHeartbeatMs }),
      // First after the request id: it times and counts everything after it, refusals included.
      ...(metrics ? [useMetrics({ ...metrics, db })] : []),
      // Before anything coerces variables: a list argument of thousands of ids is refused unread.
      useListArgumentLimit(),
      // Before useRequestDeadline, which wraps the executor this one chooses.
      ...(compileQueries
        ? [
            useCompiledQueries({
              onCompileError: (errors) => logger.warn({ errors: errors?.map(errorFields) }, 'graphql-jit could not compile a query'),
            }),
          ]
        : []),
      // Inside the deadline (a query retried on the primary stays within it), before useRateLimit.
      ...(readRouting ? [useReadRouting(readRouting)] : []),
      useRequestDeadline({ timeoutMs: requestTimeoutMs }),
      useBodyLimit(),
      useResponseLimit({ maxBytes: maxResponseBytes }),
      useRequestParseErrors(),
      // Every request carries `Authorization`, a header no simple cross-site request can set.
      useCSRFPrevention({ requestHeaders: ['authorization', 'x-graphql-yoga-csrf'] }),
      // Before useRateLimit: an operation refused for its size spends no budget.
      useMutationFieldLimit(),
      ...(rateLimit
        ? [
            useRateLimit({
              ...rateLimit,
              logger,
              clientAddressOf,
              isAuthenticated: hasValidToken,
              teamsOf: async (ctx) => (await teamRepository.listMembershipsOfUser(ctx.db, ctx.viewer.userId)).map((row) => row.team_id),
              // A query's `node(id)`: the read its resolver makes (the object with what the query asks
              // of it, primed into the loaders) answers the lookup too, one statement for both.
              teamOfObject: async (ctx, ref, operation, field) => {
                if (operation === OperationTypeNode.QUERY && field.fieldName === 'node')
                  await prefetchNode(ctx, ref, field.responseKey, field.selection);
                return teamOfObject(ctx, ref, operation);
              },
            }),
          ]
        : []),
      ...(persistedOperations ? [usePersistedOperationsOnly({ manifest: persistedOperations })] : []),
      // In development, suggestions help whoever has a token, and nobody else.
      useQueryLimits({ hideSuggestions: production || (async (request) => !(await hasValidToken(request))) }),
      ...(production ? [useDisableIntrospection()] : []),
      useSafeErrorMessages(),
      useCompressedHtml(),
      useAccessLog({ logger }),
      useReadinessCheck({
        endpoint: '/readyz',
        check: async () => {
          try {
            await sql`select 1`.execute(db);
            return true;
          } catch {
            return false;
          }
        },
      }),
    ],
  });
}
