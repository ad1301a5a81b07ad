import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { deadlineSignal, watchDeadline } from '../../graphql/deadline.ts';

export interface RequestDeadlineOptions {
  /** Milliseconds from arrival; undefined keeps the default. @default 10_000 (below the 15 s `statement_timeout`, so the deadline answers first) */
  timeoutMs?: number | undefined;
}

/**
 * A whole-request deadline, counted from the moment the request arrives (authentication and
 * waiting for a database connection included). When it passes, execution is aborted through its
 * signal: no further resolver starts, and the client gets HTTP 503 `REQUEST_TIMEOUT` with
 * `Retry-After` at once instead of waiting for whatever is stuck (a lock, a slow statement).
 *
 * A resolver already inside a transaction is not interrupted: its statements are bounded by the
 * pool's `statement_timeout`, and its transaction commits or rolls back as a whole. So a
 * mutation that timed out may still have been applied; the message says so, and creates can be
 * retried safely with the same `idempotencyKey`.
 *
 * The deadline is also noticed without a timer's turn: the executor checks it before every field
 * and every resolver checks it first (src/graphql/deadline.ts), so work that never yields to the event
 * loop (graphql-jit's compiled queries, loaders settling in microtasks) stops at it too.
 *
 * The client going away aborts execution the same way (Yoga's request signal).
 */
export function useRequestDeadline({ timeoutMs = 10_000 }: RequestDeadlineOptions = {}): Plugin {
  const arrivals = new WeakMap<Request, number>();
  return {
    onRequest: ({ request }) => {
      arrivals.set(request, performance.now());
    },
    onExecute: ({ args, executeFn, setExecuteFn }) => {
      const request = (args.contextValue as { request?: Request }).request;
      if (!request) return;
      const now = performance.now();
      const deadline = (arrivals.get(request) ?? now) + timeoutMs;
      const controller = new AbortController();
      const signal = deadlineSignal(controller, deadline, () => timedOut(timeoutMs));
      watchDeadline(args.contextValue, signal, deadline);
      const timer = setTimeout(() => controller.abort(timedOut(timeoutMs)), Math.max(0, deadline - now));
      const clientGone = () => controller.abort(request.signal.reason);
      request.signal.addEventListener('abort', clientGone, { once: true });
      // Rejects when the deadline passes or the client goes away; the race answers at once even
      // while a resolver is still waiting (graphql-tools does not race the signal for serial mutations).
      // The reason is timedOut()'s GraphQLError or the client's abort reason (a DOMException, an Error).
      const aborted = new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
      );
      aborted.catch(() => {});
      setExecuteFn(async (executeArgs) => {
        try {
          // The signal also stops further resolvers from starting.
          return await Promise.race([executeFn({ ...executeArgs, signal } as typeof executeArgs), aborted]);
        } finally {
          // Nothing may keep this request's execution alive: the request's signal can outlive it.
          clearTimeout(timer);
          request.signal.removeEventListener('abort', clientGone);
        }
      });
    },
  };
}

function timedOut(timeoutMs: number): GraphQLError {
  const seconds = Math.ceil(timeoutMs / 1000);
  return new GraphQLError(
    `The request did not finish within ${timeoutMs} ms and was stopped. A mutation may still have been applied: read the object, or retry a create with the same idempotencyKey.`,
    { extensions: { code: 'REQUEST_TIMEOUT', http: { status: 503, headers: { 'Retry-After': String(seconds) } } } },
  );
}
