import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin, { resolveNodes } from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { DateTimeResolver } from 'graphql-scalars';
import { GraphQLError, getNullableType, isListType, type GraphQLResolveInfo } from 'graphql';
import type { Context } from './context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { decodeNodeId, isNodeType, NO_OBJECT } from './global-id.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination.ts';
import { validationErrorFromIssues } from './validation.ts';
import { prefetchNode } from './node-loading.ts';
import './deadline.ts';
import './nullable-mutation-results.ts';
import './global-id-args.ts';

const capitalize = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** The one Pothos builder; modules add their types to it, `schema.ts` prints the result. */
export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: { DateTime: { Input: Date; Output: Date } };
}>({
  // `nulCharacters` (src/graphql/validation.ts) refuses U+0000 and lone surrogates in any argument; after ErrorsPlugin, so mutations answer with a ValidationError.
  // `deadline` (src/graphql/deadline.ts) stops every resolver past the request's deadline, compiled queries included.
  // `nullableMutationResults` (src/graphql/nullable-mutation-results.ts): a nested error never hides a mutation that was made.
  // `globalIdArgs` (src/graphql/global-id-args.ts): a `globalID` argument of the wrong type is that type's NotFoundError, the id unquoted; after ErrorsPlugin, so mutations answer it in their union.
  plugins: [
    RelayPlugin,
    ErrorsPlugin,
    'nullableMutationResults',
    'globalIdArgs',
    ValidationPlugin,
    'nulCharacters',
    'deadline',
    ComplexityPlugin,
  ],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    decodeGlobalID: decodeNodeId,
    nodeTypeOptions: { description: 'An object with a global id: `node(id)` and `nodes(ids)` fetch it again.' },
    idFieldOptions: { description: 'Global id: opaque, the same in every argument, result and CLI output that names this object.' },
    // Connections, their edges and PageInfo: the plugin generates them, so their descriptions are said once, here.
    // Every connection pages both ways (src/graphql/pagination.ts); its arguments and flags say how.
    defaultConnectionTypeOptions: {
      description: `One page of a list, keyset-paginated both ways: \`first\` rows after the \`after\` cursor, or \`last\` rows before the \`before\` cursor (at most ${MAX_PAGE_SIZE}), in the list's order.`,
    },
    defaultEdgeTypeOptions: { description: 'One row of a page, with its cursor.' },
    edgesFieldOptions: { description: "The rows of this page, in the list's order." },
    nodeFieldOptions: { description: 'The row.' },
    cursorFieldOptions: {
      description: 'Opaque; pass it as `after` to continue after this row, or as `before` to page back from it (with the same `orderBy`).',
    },
    pageInfoFieldOptions: { description: 'Whether more rows follow, and the cursors to continue from.' },
    pageInfoTypeOptions: { description: 'Where a page sits in its list.' },
    hasNextPageFieldOptions: {
      description:
        'Whether rows follow this page (ask for them with `after: endCursor`): with `first`, whether more were found; with `before`, true without counting (the cursor’s row follows, unless deleted since).',
    },
    hasPreviousPageFieldOptions: {
      description:
        'Whether rows come before this page (ask for them with `before: startCursor`): with `last`, whether more were found; with `after`, true without counting (the cursor’s row precedes, unless deleted since).',
    },
    startCursorFieldOptions: { description: 'The cursor of the first row of this page, to pass as `before`; null on an empty page.' },
    endCursorFieldOptions: { description: 'The cursor of the last row of this page, to pass as `after`; null on an empty page.' },
    firstArgOptions: {
      description: `Forward: the first rows (0 to ${MAX_PAGE_SIZE}; more is refused, BAD_USER_INPUT) in the list's order, after \`after\` if given. Not with \`last\`. With neither, ${DEFAULT_PAGE_SIZE} rows.`,
    },
    afterArgOptions: {
      description:
        "A cursor of this list (`pageInfo.endCursor`, or an edge's `cursor`): only rows after it. Anything else is refused (BAD_USER_INPUT).",
    },
    lastArgOptions: {
      description: `Backward: the last rows (0 to ${MAX_PAGE_SIZE}; more is refused, BAD_USER_INPUT) in the list's order, before \`before\` if given; edges stay in the list's order. Not with \`first\` (BAD_USER_INPUT).`,
    },
    beforeArgOptions: {
      description: `A cursor of this list (\`pageInfo.startCursor\`, or an edge's \`cursor\`): only rows before it; without \`first\` or \`last\`, the ${DEFAULT_PAGE_SIZE} just before it. Anything else is refused (BAD_USER_INPUT).`,
    },
    // An id that names nothing loadable is NOT_FOUND, said without the id or Pothos's internal texts.
    nodeQueryOptions: {
      nullable: true,
      description: 'The object of this global id; null when you cannot see it (another team’s objects look like ids that do not exist).',
      args: { id: { description: 'A global id of any Node type.' } },
      resolve: async (_root, { id }, ctx, info, resolveNode) => {
        if (!isNodeType(info.schema, id.typename)) throw new NotFoundError(NO_OBJECT);
        await prefetchNode(ctx, id, String(info.path.key), info);
        return resolveNode(id);
      },
    },
    nodesQueryOptions: {
      nullable: { list: false, items: true },
      // Such an id is a null item with its own error (graphql-js reports an Error in a list at its index).
      resolve: async (_root, { ids }, ctx, info) => {
        const found = await loadNodes(
          ctx,
          info,
          ids.map((id) => (isNodeType(info.schema, id.typename) ? id : null)),
        );
        return found.map((node, index) => (isNodeType(info.schema, ids[index]!.typename) ? node : new NotFoundError(NO_OBJECT)));
      },
      description: `The objects of these ids, in their order; null for any you cannot see. At most ${MAX_PAGE_SIZE} ids.`,
      // Enforced for every list argument by useListArgumentLimit (src/http/plugins/use-query-limits.ts), before anything is decoded.
      args: { ids: { description: `Global ids of any types, at most ${MAX_PAGE_SIZE} (as \`first\` on a connection).` } },
    },
  },
  errors: {
    // Every mutation result is `<Name>Success | ValidationError | NotFoundError | ForbiddenError | ConflictError`.
    defaultTypes: [ValidationError, NotFoundError, ForbiddenError, ConflictError],
    // Input validation failures become ValidationError union members like any other rule.
    unsafelyHandleInputErrors: true,
    // `createTeam` → `CreateTeamResult = CreateTeamSuccess | ValidationError | …`
    defaultResultOptions: {
      name: ({ fieldName }) => `${capitalize(fieldName)}Success`,
      description: 'The mutation was made: what it changed.',
    },
    defaultUnionOptions: {
      name: ({ fieldName }) => `${capitalize(fieldName)}Result`,
      description:
        'What a mutation answers: its `…Success` when the change was made, else an error that implements `Error` and changed nothing (switch on `code`). Any mutation may answer VALIDATION_FAILED, NOT_FOUND or FORBIDDEN; its description lists its other codes.',
    },
  },
  complexity: {
    // A connection costs its page size times its selection, a field with a list argument (`nodes(ids)`)
    // its longest list's length times its selection (it answers one object per item); other lists count as 10 items.
    fieldComplexity: (args, _ctx, field) => {
      if (field.args.some((arg) => arg.name === 'first')) {
        const size = [args.first, args.last].find((value) => typeof value === 'number') ?? DEFAULT_PAGE_SIZE;
        return { field: 1, multiplier: Math.max(size, 1) };
      }
      if (field.args.some((arg) => isListType(getNullableType(arg.type)))) {
        const lengths = Object.values(args).map((value) => (Array.isArray(value) ? value.length : 0));
        return { field: 1, multiplier: Math.max(1, ...lengths) };
      }
      if (field.name === 'edges') return { field: 0, multiplier: 1 };
      return { field: 1, multiplier: isListType(getNullableType(field.type)) ? 10 : 1 };
    },
    limit: { complexity: 10_000, depth: 15, breadth: 400 },
    complexityError: (kind, result) =>
      new GraphQLError(
        `The query is too ${kind.toLowerCase() === 'complexity' ? 'costly' : kind.toLowerCase()}: ${JSON.stringify(result)}`,
        {
          extensions: { code: 'QUERY_TOO_COMPLEX' },
        },
      ),
  },
  validation: {
    validationError: (failure) => validationErrorFromIssues(failure.issues),
  },
});

/** The relay plugin's loading of `nodes(ids)`, for only the ids it can load (null: skipped). Typed here: the builder's options cannot name the builder. */
function loadNodes(ctx: Context, info: GraphQLResolveInfo, ids: ({ typename: string; id: string } | null)[]): Promise<unknown[]> {
  return resolveNodes(builder, ctx, info, ids);
}

/** RFC 3339 has a year 0000, PostgreSQL does not (it has 1 BC): refused as a bad value here, not by SQL. */
function inPostgresRange(date: Date): Date {
  // A GraphQLError, as graphql-scalars throws: graphql-js wraps anything else, and Yoga masks it.
  if (date.getUTCFullYear() < 1) throw new GraphQLError('DateTime cannot represent a date before the year 0001');
  return date;
}
builder.addScalarType('DateTime', DateTimeResolver, {
  parseValue: (value) => inPostgresRange(DateTimeResolver.parseValue(value)),
  parseLiteral: (ast, variables) => inPostgresRange(DateTimeResolver.parseLiteral(ast, variables)),
});
builder.queryType({ description: 'Reads. Every request needs `Authorization: Bearer <token>`; you see only the teams you belong to.' });
builder.mutationType({
  description:
    'Changes. Each takes one `input` and answers a union of its `…Success` and the errors that implement `Error`; each change is one transaction with its audit event.',
});

/** The builder's schema types, for helpers that take its field builders (`ObjectFieldBuilder<BuilderTypes, T>`). */
export type BuilderTypes = typeof builder.$inferSchemaTypes;
