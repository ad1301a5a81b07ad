import type { Plugin } from 'graphql-yoga';

/**
 * Refuses request bodies larger than `maxBytes` with HTTP 413 before they are read, going by
 * their Content-Length.
 * @param maxBytes @default 1_000_000 (a value may hold 45,000 characters; a request a few of them)
 */
export function useBodyLimit(maxBytes = 1_000_000): Plugin {
  return {
    onRequest: ({ request, endResponse, fetchAPI }) => {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > maxBytes) {
        const body = { errors: [{ message: `The request body is larger than ${maxBytes} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] };
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status: 413, headers: { 'content-type': 'application/json' } }));
      }
    },
  };
}
