import graphqlPlugin from '@graphql-eslint/eslint-plugin';

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
      return Object.fromEntries(Object.entries(visitor).map(([selector, visit]) => [selector, (node) => (concerns(node) ? undefined : visit(node))]));
    },
  };
}

/**
 * `VaultConnection` (DESIGN §3, a public name) is an object, not a Relay connection, but ends in
 * `Connection`: these two rules take every such type for one and have no option to exempt it.
 */
const NOT_CONNECTIONS = ['VaultConnection'];

/**
 * One flat config for the whole repository. Each block is scoped by `files`, so a TypeScript
 * block (typescript-eslint or similar) can be added beside the GraphQL one without either
 * seeing the other's files.
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
            // Values without an identity of their own: page metadata, parts of a secret, presets (keyed by slug).
            types: ['PageInfo', 'CredentialField', 'FieldMapping', 'SecretPreset'],
          },
        },
      ],

      // `secretType` and `locationType` are public names (DESIGN §3/§4): renaming them breaks clients.
      '@graphql-eslint/no-typename-prefix': 'off',
    },
  },
];
