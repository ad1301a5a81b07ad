import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

export interface HttpServerOptions {
  /** Time a client has to send a request's headers; past it, 408 and the connection closes. @default 10_000 ms */
  headersTimeoutMs?: number;
  /** Time a client has to send a whole request, headers and body; past it, 408 and the connection closes. @default 30_000 ms */
  bodyTimeoutMs?: number;
}

/** How long SIGTERM waits for in-flight requests and open connections before closing them (deploy/cloakroom.service waits longer). */
export const DRAIN_TIMEOUT_MS = 10_000;
/** How long an idle keep-alive connection stays open: longer than deploy/nginx.conf's upstream `keepalive_timeout`. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** What is read and thrown away of a refused body before the connection closes (see `lingerBeforeClosing`). */
const LINGER_MAX_BYTES = 10 * 1024 * 1024;
const LINGER_MAX_MS = 5_000;

/**
 * The node:http server in front of the app. Node's own limits (60 s for headers, 300 s for a
 * request) let a slow client hold a connection for minutes before anything of ours runs: these
 * are tighter, and checked often enough that a short timeout is a short wait.
 */
export function createHttpServer(
  handler: RequestListener,
  { headersTimeoutMs = 10_000, bodyTimeoutMs = 30_000 }: HttpServerOptions = {},
): Server {
  return createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: bodyTimeoutMs,
      // Node looks for expired requests only this often (30 s by default).
      connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(Math.min(headersTimeoutMs, bodyTimeoutMs) / 4))),
    },
    (req, res) => {
      // An answer sent before the body has arrived (413): see lingerBeforeClosing.
      res.once('prefinish', () => {
        if (!req.complete) lingerBeforeClosing(req, res);
      });
      handler(req, res);
    },
  );
}

/**
 * A response that closes the connection while the client is still sending its body (a 413 for a
 * body over the limit) must not close the socket at once: the client's next write would meet a
 * reset and it would see EPIPE or ECONNRESET instead of our status. As nginx's lingering close
 * does, the server half-closes (FIN after the response), reads and throws away the rest of the
 * body, and closes once it has all arrived, or after `LINGER_MAX_BYTES` or `LINGER_MAX_MS`,
 * whichever comes first, so that lingering stays as bounded as the limit it follows.
 */
function lingerBeforeClosing(req: IncomingMessage, res: ServerResponse): void {
  const socket = res.socket;
  if (!socket) return;
  // Node calls destroySoon when a response with `Connection: close` has been written, after it
  // has stopped delivering the request (so listeners added now are the only ones left).
  socket.destroySoon = () => {
    socket.end();
    let discarded = 0;
    const close = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(close, LINGER_MAX_MS);
    timer.unref();
    if (req.complete) return close();
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.byteLength;
      if (discarded > LINGER_MAX_BYTES) close();
    });
    req.once('end', close);
    req.once('error', close);
    socket.once('close', () => clearTimeout(timer));
    req.resume();
  };
}
