import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';

/** A manifest as codegen's client preset writes it: `{"sha256:<hex>": "<document>"}`. */
export type PersistedOperations = Record<string, string>;

export interface PersistedOperationsOnlyOptions {
  /** The operations that may run (required). */
  manifest: PersistedOperations;
}

/**
 * Runs only the operations of the manifest, addressed the way Apollo clients send them
 * (`extensions.persistedQuery.sha256Hash`, with or without the `sha256:` prefix); any other
 * document is refused before parsing.
 */
export function usePersistedOperationsOnly({ manifest }: PersistedOperationsOnlyOptions): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (hash) => manifest[hash] ?? manifest[`sha256:${hash}`] ?? null,
    allowArbitraryOperations: false,
    customErrors: {
      notFound: {
        message: 'No persisted operation has this hash',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } },
      },
      persistedQueryOnly: {
        message: 'This server runs persisted operations only',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
      keyNotFound: {
        message: 'Send extensions.persistedQuery.sha256Hash',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
    },
  });
}
