import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the API tests (and the pattern client teams follow): the operations
 * written with `graphql(...)` under test/ become TypedDocumentNodes in test/gql/.
 */
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: true,
  generates: {
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
