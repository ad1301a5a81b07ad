import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const requestStore = new AsyncLocalStorage<{ requestId: string }>();
const requestIds = new WeakMap<Request, string>();

/** The id of the request being handled, for log lines written anywhere below it. */
export function currentRequestId(): string | undefined {
  return requestStore.getStore()?.requestId;
}

/** The id given to this request by `useRequestId`. */
export function requestIdOf(request: Request): string {
  return requestIds.get(request) ?? 'unknown';
}

function withRequestId<T>(result: T, requestId: string): T {
  if (Array.isArray(result)) return result.map((item) => withRequestId(item, requestId)) as T;
  const { errors } = (result ?? {}) as { errors?: readonly GraphQLError[] };
  if (!errors?.length) return result;
  return {
    ...result,
    errors: errors.map(
      (error) =>
        new GraphQLError(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          originalError: error.originalError,
          extensions: { ...error.extensions, requestId },
        }),
    ),
  };
}

/**
 * Gives every request a fresh id (never the client's: a caller must not choose what ends up
 * in our logs), returns it in the `x-request-id` header and in every error's
 * `extensions.requestId`, and makes it available to log lines through AsyncLocalStorage.
 */
export function useRequestId(): Plugin {
  return {
    instrumentation: {
      request: ({ request }, wrapped) => {
        const requestId = randomUUID();
        requestIds.set(request, requestId);
        return requestStore.run({ requestId }, wrapped);
      },
    },
    onResultProcess: ({ request, result, setResult }) => {
      setResult(withRequestId(result, requestIdOf(request)));
    },
    onResponse: ({ request, response }) => {
      response.headers.set('x-request-id', requestIdOf(request));
    },
  };
}
