import { getOperationAST, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';

export interface AccessLogOptions {
  /** Where the lines go (required). */
  logger: Logger;
}

/**
 * One log line per HTTP request: method, path, status, duration, the names of the operations it
 * ran and the code and path of each error answered. Never the document, its variables or an error
 * message (they can quote a value), nor headers or bodies.
 */
export function useAccessLog({ logger }: AccessLogOptions): Plugin<{ request: Request; params?: { operationName?: string | null } }> {
  const startedAt = new WeakMap<Request, number>();
  const operationNames = new WeakMap<Request, string[]>();
  const errors = new WeakMap<Request, { code: unknown; path: readonly (string | number)[] | undefined }[]>();
  return {
    onRequest: ({ request }) => {
      startedAt.set(request, performance.now());
    },
    onParse:
      ({ context }) =>
      ({ result }) => {
        const name = result && 'kind' in result ? getOperationAST(result, context.params?.operationName)?.name?.value : undefined;
        if (name) operationNames.set(context.request, [...(operationNames.get(context.request) ?? []), name]);
      },
    onResultProcess: ({ request, result }) => {
      const answered = (Array.isArray(result) ? result : [result]).flatMap(
        (one) => ((one ?? {}) as { errors?: readonly GraphQLError[] }).errors ?? [],
      );
      if (answered.length)
        errors.set(
          request,
          answered.map((error) => ({ code: error.extensions?.code, path: error.path })),
        );
    },
    onResponse: ({ request, response }) => {
      const started = startedAt.get(request) ?? performance.now();
      const names = operationNames.get(request);
      const answered = errors.get(request);
      logger.info(
        {
          method: request.method,
          path: new URL(request.url).pathname,
          status: response.status,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          ...(names && { operationName: names.join(',') }),
          ...(answered && { errors: answered }),
        },
        'request',
      );
    },
  };
}
