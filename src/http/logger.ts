import { pino, type Logger, type DestinationStream } from 'pino';
import { currentRequestId } from './plugins/use-request-id.ts';

/**
 * Structured JSON logs. Every line written while a request is handled carries its `requestId`.
 * Headers are never logged, and the redaction below is a second fence for tokens.
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
      redact: { paths: ['authorization', '*.authorization', 'headers', '*.headers', 'token', '*.token'], censor: '[redacted]' },
    },
    destination,
  );
}
export type { Logger };
