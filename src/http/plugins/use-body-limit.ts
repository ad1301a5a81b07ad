import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The rest of a refused body is never read, so the connection cannot carry another request. */
const CLOSE = { connection: 'close' };

export interface BodyLimitOptions {
  /** Largest request body, in bytes. @default 1_000_000 (a value may hold 45,000 characters; a request a few of them) */
  maxBytes?: number;
}

/**
 * Refuses request bodies larger than `maxBytes` with HTTP 413: before they are read, going by
 * their Content-Length; and a body without one (`Transfer-Encoding: chunked`) as soon as more
 * than `maxBytes` of it has arrived, instead of buffering whatever the client keeps sending.
 */
export function useBodyLimit({ maxBytes = 1_000_000 }: BodyLimitOptions = {}): Plugin {
  const message = `The request body is larger than ${maxBytes} bytes`;
  return {
    onRequest: ({ request, endResponse, fetchAPI }) => {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > maxBytes) {
        const body = { errors: [{ message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] };
        endResponse(
          new fetchAPI.Response(JSON.stringify(body), { status: 413, headers: { 'content-type': 'application/json', ...CLOSE } }),
        );
      }
    },
    // Runs after Yoga has chosen the parser for the request: it gets the body read up to the limit.
    onRequestParse: ({ request, requestParser, setRequestParser, fetchAPI }) => {
      if (!requestParser || request.headers.has('content-length') || request.method === 'GET' || request.method === 'HEAD') return;
      setRequestParser(async (streamed) => {
        if (!streamed.body) return requestParser(streamed);
        const chunks: Uint8Array[] = [];
        let size = 0;
        const reader = streamed.body.getReader();
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          size += chunk.value.byteLength;
          // Stop reading; Node discards the rest of the body once the response is sent.
          if (size > maxBytes)
            throw new GraphQLError(message, { extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413, headers: CLOSE } } });
          chunks.push(chunk.value);
        }
        return requestParser(
          new fetchAPI.Request(streamed.url, { method: streamed.method, headers: streamed.headers, body: Buffer.concat(chunks) }),
        );
      });
    },
  };
}
