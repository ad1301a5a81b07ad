import type { ServerResponse } from 'node:http';
import net from 'node:net';
import { createApp } from './http/app.ts';
import { createOutboundGuard } from './modules/outbound/outbound-guard.ts';
import { graphiqlPageOptions } from './http/graphiql.ts';
import { ConfigError, loadConfig, loadMasterKey, loadPreviousMasterKeys } from './config.ts';
import { ensureDevTeam } from './modules/team/dev-team.ts';
import { createHttpServer, DRAIN_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS } from './http/node-server.ts';
import { createLogger } from './http/logger.ts';
import { createKeyring } from './modules/crypto/envelope.ts';
import { openDatabase } from './database/open-database.ts';
import { createReadRouting } from './database/read-routing.ts';
import { createRateLimitRedis } from './http/plugins/rate-limit/store.ts';
import { createMetricsRegistry, serveMetrics } from './http/plugins/use-metrics.ts';
import { remaskPreviews } from './modules/secret/remask.service.ts';
import { startPurgeSweep } from './modules/secret/purge.service.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createTeamEventHub } from './modules/events/event-hub.ts';
import { startScheduledEvents } from './modules/events/scheduled-events.ts';
import { startWebhookDelivery } from './modules/webhook/webhook-delivery.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  // Refuse to start without a master key, before touching the database. Previous keys (after a
  // rotation) only unwrap data keys until `cli rewrap` has moved them all to the current one.
  const keyring = createKeyring(loadMasterKey(config), loadPreviousMasterKeys());
  const logger = createLogger(config.logLevel);
  const { db, replica, close } = await openDatabase(config);

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

  // Without REDIS_URL the counters (and viewers' last write positions) live in this process; with
  // it, every instance shares them.
  const redis = config.redisUrl ? createRateLimitRedis(config.redisUrl, logger) : undefined;
  const rateLimit = { ...config.rateLimit, store: redis ?? ('memory' as const) };
  const readRouting =
    replica && createReadRouting({ primary: db, replica, maxLagMs: config.replicaMaxLagMs, store: redis ?? 'memory', logger });
  // Metrics on their own port when CLOAKROOM_METRICS_PORT says so, else at the API's /metrics.
  const registry = config.metrics ? createMetricsRegistry() : undefined;
  const metricsServer = registry && config.metricsPort !== undefined ? serveMetrics(registry, config.metricsPort, config.host) : undefined;
  metricsServer?.on('listening', () => logger.info({ address: metricsServer.address() }, 'metrics listening'));
  const metrics = registry && { registry, endpoint: metricsServer ? (false as const) : '/metrics' };
  // Subscribers on every instance see every instance's events: wake-ups go through Redis when it is configured.
  const events = createTeamEventHub({
    db,
    logger,
    redisUrl: config.redisUrl,
    channelPrefix: config.redisChannelPrefix,
    pollIntervalMs: config.eventsPollMs,
  });
  // Every server runs it: the database keeps each scheduled event single.
  const scheduled = startScheduledEvents({ db, events, logger, intervalMs: config.scheduledEventsIntervalMs });
  const outbound = createOutboundGuard({ allowedHosts: config.outboundAllowedHosts, extraCa: config.outboundExtraCa });
  // Every server delivers webhooks: SKIP LOCKED gives each attempt to one of them.
  const webhooks = startWebhookDelivery({
    db,
    keyring,
    outbound,
    logger,
    pollMs: config.webhookPollMs,
    retryBaseMs: config.webhookRetryBaseMs,
  });
  const app = createApp({
    metrics,
    db,
    events,
    sseHeartbeatMs: config.sseHeartbeatMs,
    keyring,
    outbound,
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
    readRouting,
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
      // Yoga answers its own failures (a 500): its promise is not awaited.
      void app(req, res);
    },
    { headersTimeoutMs: config.headersTimeoutMs, bodyTimeoutMs: config.bodyTimeoutMs },
  );
  // Longer than a proxy's pooled-connection timeout (deploy/nginx.conf: 2 s), so that the proxy,
  // not this server, closes an idle connection: it never sends a request on one being closed.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
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
    // No new purge, scheduled-event or webhook pass from now on; one in progress finishes before the database closes.
    const jobsStopped = Promise.all([purgeSweep.stop(), scheduled.stop(), webhooks.stop()]);
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS).unref();
    // Event streams never finish on their own: end them (their clients resume elsewhere from their
    // last cursor), or the drain would wait for the timeout. The hub's Redis clients quit here,
    // after unsubscribing, and before the database closes under a feed still reading.
    const eventsClosed = events.close().catch((error: unknown) => logger.warn({ err: error }, 'closing team events failed'));
    // Stops accepting only: http.Server#close would also close idle keep-alive connections at once,
    // racing a request a proxy may be sending on one that instant (a 502: nginx does not resend a
    // POST). Idle connections end on the peer's side or at keepAliveTimeout; busy ones after their
    // "Connection: close" response.
    net.Server.prototype.close.call(server, () => {
      clearTimeout(force);
      metricsServer?.close();
      (async () => {
        await eventsClosed;
        await jobsStopped;
        readRouting?.close();
        await close();
        await redis?.quit().catch(() => redis.disconnect());
        logger.info('stopped');
        process.exit(0);
      })().catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    });
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
