import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { expect } from 'vitest';
import type { App } from '../../src/http/app.ts';

/** One GraphQL-over-SSE subscription as a client sees it: its raw text, results, heartbeats and end. */
export interface SseSubscription<T> {
  status: number;
  /** Every `next` result so far, in order. */
  readonly results: ExecutionResult<T>[];
  /** Every byte received, as text (for leak checks). */
  readonly text: () => string;
  /** `:` comment lines received (Yoga's pings and ours). */
  readonly heartbeats: () => number;
  /** Resolves once `count` results have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ExecutionResult<T>[]>;
  /** Resolves when the server ends the stream (`complete` or the connection closing); with the time it took since `since`. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Serves the app on 127.0.0.1 (an ephemeral port): streams need a socket, and the harness's recording fetch would wait for their end. */
export async function listen(app: App): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => void app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Opens a subscription over GraphQL-over-SSE (POST, `Accept: text/event-stream`) as a client would. */
export async function subscribeSse<TResult, TVariables>(
  url: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token: string,
): Promise<SseSubscription<TResult>> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
    signal: controller.signal,
  });
  const results: ExecutionResult<TResult>[] = [];
  let raw = '';
  let heartbeats = 0;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  let done = false;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        raw += text;
        buffer += text;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          if (lines.every((line) => line.startsWith(':'))) heartbeats += 1;
          const event = lines
            .find((line) => line.startsWith('event:'))
            ?.slice(6)
            .trim();
          const data = lines
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (event === 'next' || (event === undefined && data)) results.push(JSON.parse(data) as ExecutionResult<TResult>);
          if (event === 'complete') return;
        }
        notify();
      }
    } catch {
      // aborted by close(), or the connection dropped: the stream has ended either way
    } finally {
      done = true;
      notify();
    }
  })();
  return {
    status: response.status,
    results,
    text: () => raw,
    heartbeats: () => heartbeats,
    ended,
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${count} results; have ${results.length}: ${raw.slice(-500)}`));
        }, timeoutMs);
        const check = () => {
          if (results.length >= count || done) {
            clearTimeout(timer);
            waiters.delete(check);
            if (results.length >= count) resolve(results);
            else reject(new Error(`stream ended after ${results.length} of ${count} results: ${raw.slice(-500)}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}

/** A team event cursor's position in its team's stream (the cursor is base64url of `…:seq`). */
export function seqOf(cursor: string): number {
  return Number(Buffer.from(cursor, 'base64url').toString('utf8').split(':').at(-1));
}

/** Asserts that `stream` carried exactly the team events `from`, `from + 1`, … (`count` of them): in order, no gap, no duplicate. */
export function expectContiguous<E extends { id: string; cursor: string }>(
  stream: SseSubscription<{ teamEvents: E }>,
  from: number,
  count: number,
): E[] {
  const events = stream.results.map((result) => {
    expect(result.errors).toBeUndefined();
    return result.data!.teamEvents;
  });
  expect(events).toHaveLength(count);
  expect(events.map((event) => seqOf(event.cursor))).toEqual(Array.from({ length: count }, (_v, index) => from + index));
  expect(new Set(events.map((event) => event.id)).size).toBe(count);
  return events;
}
