import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';

/** One log line per HTTP request: method, path, status and duration (no headers, no bodies). */
export function useAccessLog(logger: Logger): Plugin {
  const startedAt = new WeakMap<Request, number>();
  return {
    onRequest: ({ request }) => {
      startedAt.set(request, performance.now());
    },
    onResponse: ({ request, response }) => {
      const started = startedAt.get(request) ?? performance.now();
      logger.info(
        { method: request.method, path: new URL(request.url).pathname, status: response.status, durationMs: Math.round((performance.now() - started) * 10) / 10 },
        'request',
      );
    },
  };
}
