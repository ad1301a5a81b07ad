import type { Plugin } from 'graphql-yoga';

export interface SseHeartbeatOptions {
  /** Time between two heartbeats of an open event stream (CLOAKROOM_SSE_HEARTBEAT_MS). @default 15_000 (below nginx's 60 s `proxy_read_timeout` and most load balancers' idle timeouts) */
  intervalMs?: number | undefined;
}

const BEAT = new TextEncoder().encode(':\n\n');

/** Whether a chunk ends an SSE event (a blank line): only there may a comment go. */
function endsEvent(chunk: Uint8Array): boolean {
  return chunk.length >= 2 && chunk[chunk.length - 1] === 10 && chunk[chunk.length - 2] === 10;
}

/**
 * An SSE comment (`:`) on every open event stream each `intervalMs`, so that proxies and load
 * balancers never close a quiet subscription as idle. Yoga pings every 12 s on its own, a period
 * no option changes; this one is the deployment's to choose. Comments go between events only
 * (Yoga writes an event's `event:` and `data:` lines as separate chunks).
 */
export function useSseHeartbeat({ intervalMs = 15_000 }: SseHeartbeatOptions = {}): Plugin {
  return {
    onResponse({ response, setResponse, fetchAPI }) {
      if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return;
      const reader = response.body.getReader();
      let timer: NodeJS.Timeout | undefined;
      let betweenEvents = true;
      let open = true;
      const stop = () => {
        open = false;
        clearInterval(timer);
      };
      const stream = new fetchAPI.ReadableStream<Uint8Array>({
        start(controller) {
          timer = setInterval(() => {
            if (open && betweenEvents) controller.enqueue(BEAT);
          }, intervalMs);
        },
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) {
            stop();
            controller.close();
            return;
          }
          betweenEvents = endsEvent(value);
          controller.enqueue(value);
        },
        cancel(reason) {
          stop();
          return reader.cancel(reason);
        },
      });
      setResponse(new fetchAPI.Response(stream, { status: response.status, headers: response.headers }));
    },
  };
}
