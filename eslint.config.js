import graphqlPlugin from '@graphql-eslint/eslint-plugin';
import prettierConfig from 'eslint-config-prettier/flat';
import tseslint from 'typescript-eslint';

/**
 * `rule` with its checks skipped for the named types: for a type whose name only looks like a
 * Relay connection. A visitor is skipped when the node it gets is, or lies inside, one of them.
 */
function exceptTypes(rule, names) {
  const concerns = (node) => {
    for (let current = node; current; current = current.parent) {
      if (names.includes(current.value) || names.includes(current.name?.value)) return true;
    }
    return false;
  };
  return {
    ...rule,
    create(context) {
      const visitor = rule.create(context);
      return Object.fromEntries(
        Object.entries(visitor).map(([selector, visit]) => [selector, (node) => (concerns(node) ? undefined : visit(node))]),
      );
    },
  };
}

/**
 * `VaultConnection` (DESIGN §3, a public name) is an object, not a Relay connection, but ends in
 * `Connection`: these two rules take every such type for one and have no option to exempt it.
 */
const NOT_CONNECTIONS = ['VaultConnection'];

/**
 * One flat config for the whole repository. Each block is scoped by `files`, so the TypeScript
 * blocks and the GraphQL one never see each other's files.
 */
export default [
  {
    // Generated or third-party output: linted at its source, if anywhere.
    ignores: ['node_modules/**', 'test/gql/**', 'coverage/**', 'bench/.work/**', '.data/**'],
  },
  {
    // Relay's documents, in Relay's dialect (@connection, @refetchable, @appendEdge…, unknown to
    // this linter): relay-compiler checks them against schema.graphql (test/contract/relay.test.ts).
    ignores: ['test/contract/relay-documents/**'],
  },
  {
    // An inline disable that no longer silences anything goes, rather than hiding the next finding.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  // The code: typescript-eslint's recommended rules, the type-aware ones included, on every .ts file.
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      // Types from tsconfig.json, the same program `npm run typecheck` checks.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Off: graphql-js, envelop and Yoga type documents, variables and extensions as `any`, and
      // JSON bodies in tests are `any` too; these five would ask for a cast at every read of them
      // without checking anything more. `no-explicit-any` still keeps new `any`s out of our code.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Off: envelop and Yoga declare the callbacks their hooks hand over (setResult, endResponse,
      // fetchAPI…) as methods although they are closures, so destructuring them, as their docs do,
      // is reported everywhere.
      '@typescript-eslint/unbound-method': 'off',
      // Pothos plugins are typed by augmenting its global `PothosSchemaTypes` namespace.
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      // Promise.all over values some of which are plain (a shortcut beside batched lookups) is fine.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      // `_name` marks a parameter a signature requires but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Migrations run against the schema as it was at their time, not today's `Database` type:
    // Kysely's migration docs type them `Kysely<any>`, and so does the code that runs them.
    files: ['db/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The public contract: schema.graphql, printed from the Pothos schema by `npm run schema`.
    files: ['**/*.graphql'],
    languageOptions: {
      parser: graphqlPlugin.parser,
      // Schema rules need the schema itself, not only the file's AST (the plugin crashes without it).
      parserOptions: { graphQLConfig: { schema: './schema.graphql' } },
    },
    plugins: {
      '@graphql-eslint': graphqlPlugin,
      cloakroom: {
        rules: {
          'relay-arguments': exceptTypes(graphqlPlugin.rules['relay-arguments'], NOT_CONNECTIONS),
          'relay-connection-types': exceptTypes(graphqlPlugin.rules['relay-connection-types'], NOT_CONNECTIONS),
        },
      },
    },
    rules: {
      // naming-convention, no-unreachable-types, strict-id-in-types, description-style and the
      // graphql-js validity rules, among others.
      ...graphqlPlugin.configs['flat/schema-recommended'].rules,
      ...graphqlPlugin.configs['flat/schema-relay'].rules,

      // Every kind of definition a client can read in GraphiQL or a generated SDK gets a description.
      // `rootField` is left out: it reports nothing when both Query and Mutation exist.
      // FieldDefinition covers root fields too; scripts/lint-root-fields.ts (run by `npm run lint`)
      // keeps that guarantee on its own, whatever becomes of this rule's options.
      '@graphql-eslint/require-description': [
        'error',
        { types: true, FieldDefinition: true, InputValueDefinition: true, EnumValueDefinition: true, DirectiveDefinition: true },
      ],

      // The same two rules, with VaultConnection exempted (above).
      '@graphql-eslint/relay-arguments': 'off',
      '@graphql-eslint/relay-connection-types': 'off',
      // Every connection takes both directions: `first`/`after` and `last`/`before`.
      'cloakroom/relay-arguments': ['error', { includeBoth: true }],
      'cloakroom/relay-connection-types': 'error',

      '@graphql-eslint/relay-edge-types': [
        'error',
        {
          withEdgeSuffix: true,
          // Short, bounded lists stay plain lists (memberships, credentialFields, fieldErrors, nodes(ids)).
          listTypeCanWrapOnlyEdgeType: false,
          // TeamInvitation is listed in connections but is not a Node (its id answers no `node()`:
          // an invitee is not yet a member of its team); every other edge's node is one.
          shouldImplementNode: false,
        },
      ],

      '@graphql-eslint/strict-id-in-types': [
        'error',
        {
          acceptedIdNames: ['id'],
          acceptedIdTypes: ['ID'],
          exceptions: {
            // Answers and plumbing, not objects: mutation results, Relay connections and edges, errors.
            suffixes: ['Success', 'Connection', 'Edge', 'Error'],
            // Values without an identity of their own: page metadata, parts of a secret, presets (keyed by slug),
            types: [
              'PageInfo',
              'CredentialField',
              'FieldMapping',
              'SecretPreset',
              'SecretRotationPolicy',
              // Parts of a verification: one check of it, and a version's summary over its locations.
              'VerificationCheck',
              'SecretVersionVerification',
            ],
          },
        },
      ],

      // `secretType` and `locationType` are public names (DESIGN §3/§4): renaming them breaks clients.
      '@graphql-eslint/no-typename-prefix': 'off',
    },
  },
  // Last: turns off every stylistic rule above that Prettier (`npm run format`) decides instead.
  prettierConfig,
];
