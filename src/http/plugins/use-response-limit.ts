import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface ResponseLimitOptions {
  /** Largest response body, in bytes; undefined keeps the default. @default 10_000_000 */
  maxBytes?: number | undefined;
}

/**
 * Bounds the size of an answer. The result's `data` is serialised here, one root field (alias)
 * at a time, so that an oversized answer is given up as soon as it passes `maxBytes` rather than
 * after the whole of it has been turned into text; past the limit the client gets HTTP 422 with
 * a top-level `RESPONSE_TOO_LARGE` error and no data (ask for smaller pages). An answer within
 * the limit is not serialised twice: Yoga is handed the text made here.
 */
export function useResponseLimit({ maxBytes = 10_000_000 }: ResponseLimitOptions = {}): Plugin {
  return {
    onExecutionResult: ({ result, setResult }) => {
      // Streams (subscriptions) and batches are not answered as one JSON document.
      if (!result || Array.isArray(result) || Symbol.asyncIterator in result) return;
      const single = result as ExecutionResult & { stringify?: (result: ExecutionResult) => string };
      const data = single.data;
      if (!data) return;
      const parts: string[] = [];
      let size = 2;
      for (const key of Object.keys(data)) {
        const value = data[key];
        if (value === undefined) continue;
        const part = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
        size += Buffer.byteLength(part) + 1;
        if (size > maxBytes) {
          setResult({ errors: [tooLarge(maxBytes)] });
          return;
        }
        parts.push(part);
      }
      const dataText = `{${parts.join(',')}}`;
      // Yoga calls this with a copy of the result whose errors are cleaned of internals, same data.
      single.stringify = (sanitized) => {
        const { data: sanitizedData, ...rest } = sanitized;
        if (sanitizedData !== data) return JSON.stringify(sanitized);
        const restText = JSON.stringify(rest);
        return restText === '{}' ? `{"data":${dataText}}` : `${restText.slice(0, -1)},"data":${dataText}}`;
      };
    },
  };
}

function tooLarge(maxBytes: number): GraphQLError {
  return new GraphQLError(
    `The response would be larger than ${maxBytes} bytes and was not sent: ask for less (smaller pages, fewer fields or aliases).`,
    {
      extensions: { code: 'RESPONSE_TOO_LARGE', http: { status: 422 } },
    },
  );
}
