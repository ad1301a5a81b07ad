import { createServer, type Server } from 'node:http';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { getOperationAST, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Kysely } from 'kysely';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { poolStatsOf, type Database } from '../../database/database.ts';

export interface MetricsOptions {
  /** Where the metrics are kept and read from (`registry.metrics()`): one per app. */
  registry: Registry;
  /**
   * The path the API serves them on; `false` when they are served on a port of their own
   * (CLOAKROOM_METRICS_PORT, see `serveMetrics`), so the public port does not show them.
   * @default '/metrics'
   */
  endpoint?: string | false;
  /** The database whose connection pool is reported (PostgreSQL only; PGlite has none). */
  db?: Kysely<Database>;
}

/** A new registry with Node's process metrics (CPU, memory, event loop lag, handles). */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Prometheus metrics: Yoga's request counts and latency histograms by operation name
 * (`graphql_envelop_request`, `graphql_envelop_request_duration`, `graphql_yoga_http_duration`),
 * errors by code (`cloakroom_graphql_errors_total`), rate-limit refusals
 * (`cloakroom_rate_limit_refusals_total`) and the database pool (`cloakroom_db_pool_connections`).
 * Labels never hold a request's URL or document (a GET request's query string may carry an
 * inline credential): only operation names, types, phases, status codes and error codes.
 */
export function useMetrics({ registry, endpoint = '/metrics', db }: MetricsOptions): Plugin {
  const errors = new Counter({
    name: 'cloakroom_graphql_errors_total',
    help: 'GraphQL errors in responses, by extensions.code and operation name (typed union results of mutations are answers, not errors)',
    labelNames: ['code', 'operationName'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'cloakroom_rate_limit_refusals_total',
    help: 'Requests refused by a rate limit (HTTP 429 RATE_LIMITED)',
    registers: [registry],
  });
  if (db && poolStatsOf(db)) {
    new Gauge({
      name: 'cloakroom_db_pool_connections',
      help: 'PostgreSQL pool connections by state: total, idle, waiting (requests queued for a connection), max',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const stats = poolStatsOf(db)!;
        for (const [state, value] of Object.entries(stats)) this.set({ state }, value);
      },
    });
  }
  const prometheus = usePrometheus({
    registry,
    endpoint,
    metrics: {
      graphql_envelop_request: true,
      graphql_envelop_request_duration: true,
      graphql_yoga_http_duration: true,
      graphql_envelop_phase_parse: true,
      graphql_envelop_phase_validate: true,
      graphql_envelop_phase_context: true,
      graphql_envelop_phase_execute: true,
      // Counted by code below, where every error of a response is seen (429s and 401s included).
      graphql_envelop_error_result: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
    },
    labels: { url: false },
  });
  // The operation name each request declares, for the error counter (read from its parameters, never its document).
  const operationNames = new WeakMap<Request, string>();
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(prometheus);
    },
    onParams({ params, request }) {
      if (typeof params.operationName === 'string') operationNames.set(request, params.operationName);
    },
    onExecute({ args }) {
      // The name the document gives its operation, when the request did not say which one it runs.
      const request = (args.contextValue as { request?: Request }).request;
      const name = getOperationAST(args.document, args.operationName)?.name?.value;
      if (request && name) operationNames.set(request, name);
    },
    onResultProcess({ result, request }) {
      const results = Array.isArray(result) ? result : [result];
      for (const single of results) {
        const found = (single as { errors?: readonly GraphQLError[] } | null)?.errors ?? [];
        for (const error of found) {
          const extensionCode = error.extensions?.['code'];
          const code = typeof extensionCode === 'string' ? extensionCode : 'INTERNAL_SERVER_ERROR';
          errors.inc({ code, operationName: operationNames.get(request) ?? '' });
          if (code === 'RATE_LIMITED') refusals.inc();
        }
      }
    },
  };
}

/**
 * Serves `registry` at GET /metrics on a port of its own (CLOAKROOM_METRICS_PORT), apart from the
 * API: a scraper on a private network reads it, the API's clients never see it.
 */
export function serveMetrics(registry: Registry, port: number, host: string | undefined): Server {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n'),
    );
  });
  server.listen(port, host);
  return server;
}
