import type { ServerResponse } from 'node:http';
import { createApp } from './http/app.ts';
import { createOutboundGuard } from './modules/outbound/outbound-guard.ts';
import { graphiqlPageOptions } from './http/graphiql.ts';
import { ConfigError, loadConfig, loadMasterKey, loadPreviousMasterKeys } from './config.ts';
import { ensureDevTeam } from './modules/team/dev-team.ts';
import { createHttpServer } from './http/node-server.ts';
import { createLogger } from './http/logger.ts';
import { createKeyring } from './modules/crypto/envelope.ts';
import { openDatabase } from './database/open-database.ts';
import { createRateLimitRedis } from './http/plugins/rate-limit/store.ts';
import { createMetricsRegistry, serveMetrics } from './http/plugins/use-metrics.ts';
import { remaskPreviews } from './modules/secret/remask.service.ts';
import { startPurgeSweep } from './modules/secret/purge.service.ts';
import { migrateToLatest } from '../db/migrate.ts';

/** How long SIGTERM waits for in-flight requests before closing their connections. */
const DRAIN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  // Refuse to start without a master key, before touching the database. Previous keys (after a
  // rotation) only unwrap data keys until `cli rewrap` has moved them all to the current one.
  const keyring = createKeyring(loadMasterKey(config), loadPreviousMasterKeys());
  const logger = createLogger(config.logLevel);
  const { db, close } = await openDatabase(config);

  if (config.migrateOnStart) {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    // Previews a migration masked are derived anew from the payloads (a no-op once done). Rows it
    // cannot open keep the fixed mask, which reveals nothing: the server starts all the same.
    // Without migrations at start (CLOAKROOM_MIGRATE=false) the operator runs `cli remask`.
    const remask = await remaskPreviews(db, keyring);
    if (remask.remasked) logger.info(remask, 'masked previews derived anew');
    if (remask.remaining)
      logger.warn(
        remask,
        'some masked previews could not be derived (a master key missing from the keyring?): they show •••• until `cli remask` succeeds',
      );
  }

  // Without REDIS_URL the counters live in this process; with it, every instance shares them.
  const redis = config.redisUrl ? createRateLimitRedis(config.redisUrl, logger) : undefined;
  const rateLimit = { ...config.rateLimit, store: redis ?? ('memory' as const) };
  // Metrics on their own port when CLOAKROOM_METRICS_PORT says so, else at the API's /metrics.
  const registry = config.metrics ? createMetricsRegistry() : undefined;
  const metricsServer = registry && config.metricsPort !== undefined ? serveMetrics(registry, config.metricsPort, config.host) : undefined;
  metricsServer?.on('listening', () => logger.info({ address: metricsServer.address() }, 'metrics listening'));
  const metrics = registry && { registry, endpoint: metricsServer ? (false as const) : '/metrics' };
  const app = createApp({
    metrics,
    db,
    keyring,
    outbound: createOutboundGuard({ allowedHosts: config.outboundAllowedHosts, extraCa: config.outboundExtraCa }),
    logger,
    corsOrigins: config.corsOrigins,
    production: config.production,
    rateLimit,
    persistedOperations: config.persistedOperations,
    requestTimeoutMs: config.requestTimeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    compileQueries: config.compileQueries,
    trustedProxies: config.trustedProxies,
    graphiql: graphiqlPageOptions(config),
  });
  // While draining, every response says "Connection: close": a keep-alive client would otherwise
  // keep sending new requests on its open connections, and the drain would last until the timeout.
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  const server = createHttpServer(
    (req, res) => {
      if (draining) res.setHeader('Connection', 'close');
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
      // A connection whose last response had already started at SIGTERM goes idle afterwards: close it then.
      res.once('finish', () => {
        if (draining) setImmediate(() => server.closeIdleConnections());
      });
      // Yoga answers its own failures (a 500): its promise is not awaited.
      void app(req, res);
    },
    { headersTimeoutMs: config.headersTimeoutMs, bodyTimeoutMs: config.bodyTimeoutMs },
  );
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = typeof address === 'object' && address ? address.address : config.host;
    logger.info({ host, port, database: config.databaseUrl ? 'postgresql' : 'embedded' }, 'listening');
    // Notes for the person at the terminal go to stderr: stdout carries JSON log lines only.
    const shown = !host || host === '::' || host === '0.0.0.0' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
    console.error(`cloakroom is serving http://${shown}:${port}/graphql (open it in a browser for GraphiQL)`);
  });

  // Secrets past their recovery window go, on every server: SKIP LOCKED lets them all sweep at once.
  const purgeSweep = startPurgeSweep(db, {
    intervalMs: config.purgeIntervalMs,
    onPurged: (result) => logger.info(result, 'secrets past their recovery window purged'),
    onError: (error) => logger.error({ err: error }, 'purge of secrets past their recovery window failed; the next pass tries again'),
  });

  if (!config.databaseUrl) {
    const dev = await ensureDevTeam(db, config.dataDir);
    if (dev.created) console.error(`Created team "Demo" and its owner; their API token is in ${dev.tokenFile}`);
    else if (dev.tokenFile) console.error(`Dev API token: ${dev.tokenFile}`);
    if (dev.tokenFile)
      console.error(
        'GraphiQL opened on this machine (localhost) has it in its Headers tab; elsewhere, send "Authorization: Bearer <the token>"',
      );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining in-flight requests');
    draining = true;
    // No new purge pass from now on; one in progress finishes before the database closes.
    const sweepStopped = purgeSweep.stop();
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS).unref();
    server.close(() => {
      clearTimeout(force);
      metricsServer?.close();
      (async () => {
        await sweepStopped;
        await close();
        await redis?.quit().catch(() => redis.disconnect());
        logger.info('stopped');
        process.exit(0);
      })().catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`cloakroom cannot start: ${error.message}`);
  } else {
    console.error('cloakroom failed to start:', error);
  }
  process.exit(1);
});
