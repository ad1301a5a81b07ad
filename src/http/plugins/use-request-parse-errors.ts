import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Yoga reads the `variables` and `extensions` of a GET query string or of a form-urlencoded body
 * with a bare `JSON.parse`: broken JSON there throws a SyntaxError, answered with HTTP 500. This
 * makes it what broken JSON in a POST body already is: a 400 BAD_REQUEST.
 */
export function useRequestParseErrors(): Plugin {
  return {
    // Runs after Yoga's own parsers have chosen one for the request (user plugins come after them).
    onRequestParse: ({ requestParser, setRequestParser }) => {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new GraphQLError('A request parameter ("variables" or "extensions") is not valid JSON', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      });
    },
  };
}
