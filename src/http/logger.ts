import { GraphQLError } from 'graphql';
import { pino, type Logger, type DestinationStream } from 'pino';
import { currentRequestId } from './plugins/use-request-id.ts';

/** Lines of a stack trace that say where code ran (`    at …`), not what its message said. */
const STACK_FRAME = /^\s+at /;

/**
 * What a log line says about an error: its kind, its code (GraphQL `extensions.code`, ours, or a
 * driver's such as `ECONNREFUSED`), its GraphQL path and where it was thrown. Never its message:
 * graphql-js prints the document around the error's location into it (an inline credential
 * included), and validation and driver messages quote the values they refused.
 */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const graphql = error instanceof GraphQLError ? error : undefined;
  const original = graphql?.originalError ?? error;
  const code = graphql?.extensions.code ?? (original as { code?: unknown }).code;
  const frames = original.stack?.split('\n').filter((line) => STACK_FRAME.test(line));
  return {
    type: original.name,
    ...(code !== undefined && { code }),
    ...(graphql?.path && { path: graphql.path }),
    ...(frames?.length && { stack: frames.map((frame) => frame.trim()) }),
  };
}

/**
 * Structured JSON logs. Every line written while a request is handled carries its `requestId`.
 * Headers are never logged, and the redaction below is a second fence for tokens; errors are
 * logged as `errorFields` (`{ err }`).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'cloakroom' },
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
      serializers: { err: errorFields },
      redact: { paths: ['authorization', '*.authorization', 'headers', '*.headers', 'token', '*.token'], censor: '[redacted]' },
    },
    destination,
  );
}
export type { Logger };
