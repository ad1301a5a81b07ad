import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the API tests (and the pattern client teams follow): the operations
 * written with `graphql(...)` under test/ become TypedDocumentNodes in test/gql/. And, for client
 * teams to import, clients/possible-types.json: which types implement each interface and union,
 * which Apollo Client needs (`possibleTypes`) to match `... on Error` fragments.
 */
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    // `apolloClientVersion: 3` is the shape Apollo Client 3 and 4 read: `{ possibleTypes: { Error: [...] } }`.
    './clients/possible-types.json': { plugins: ['fragment-matcher'], config: { apolloClientVersion: 3 } },
    './test/gql/': {
      preset: 'client',
      // persistedDocuments: also writes persisted-documents.json, the manifest CLOAKROOM_PERSISTED_OPERATIONS takes.
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
      config: {
        importExtension: '.ts',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', ID: 'string' },
      },
    },
  },
};

export default config;
