import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../../logger.ts';

/**
 * An ioredis client for the rate-limit counters that never makes a request wait for Redis: while
 * it is unreachable, commands fail at once (no offline queue, 500 ms command timeout) and the
 * limiters count in memory instead (see `useRateLimit`). Connection errors are logged at most once
 * a minute. Close it with `quit()` on shutdown.
 */
export function createRateLimitRedis(url: string, logger: Logger): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  let lastWarning = 0;
  client.on('error', (error: Error) => {
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    // The message only (e.g. "connect ECONNREFUSED 127.0.0.1:6379"): never the URL, which may hold a password.
    logger.warn({ error: error.message }, 'redis unavailable: rate limits are counted per process until it is back');
  });
  client.on('ready', () => {
    if (lastWarning) logger.info('redis reachable again: rate limits are shared');
    lastWarning = 0;
  });
  return client;
}

/**
 * A fixed-window counter of `points` per `windowSeconds` under `keyPrefix`, in this process or in
 * Redis; a Redis counter falls back to memory while Redis is unreachable (rate-limiter-flexible's
 * insurance limiter), so a store failure never fails a request. `points` ≤ 0: no counter.
 */
export function createCounter(
  store: 'memory' | Redis,
  options: { points: number; windowSeconds: number; keyPrefix: string },
): RateLimiterAbstract | undefined {
  if (!(options.points > 0)) return undefined;
  const common = { points: options.points, duration: options.windowSeconds, keyPrefix: options.keyPrefix };
  if (store === 'memory') return new RateLimiterMemory(common);
  return new RateLimiterRedis({
    ...common,
    storeClient: store,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(common),
  });
}
