import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  BREAK,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isInputObjectType,
  Kind,
  OperationTypeNode,
  typeFromAST,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type Source,
  type SourceLocation,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Whether graphql-jit may run this operation. Only queries, and only when no input object is
 * coerced: graphql-jit compiles its own coercion of input objects, which differs from graphql-js
 * (it skips `@oneOf` checks, omits input-field defaults, accepts unknown fields). So every
 * variable must be a scalar or an enum (or a list of them), and no argument may be an object
 * literal. Mutations and anything with input objects run on graphql-js, whose semantics the
 * schema promises.
 */
export function isCompilable(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== OperationTypeNode.QUERY) return false;
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    if (!type || isInputObjectType(getNamedType(type))) return false;
  }
  let objectLiteral = false;
  visit(document, {
    [Kind.OBJECT]: () => {
      objectLiteral = true;
      return BREAK;
    },
  });
  return !objectLiteral;
}

export interface CompiledQueriesOptions {
  /** Called when graphql-jit cannot compile a document (its errors are the answer). @default none */
  onCompileError?: (errors: readonly Error[] | undefined) => void;
}

/**
 * Compiles eligible queries (see `isCompilable`) to JavaScript with graphql-jit, once per parsed
 * document (Yoga's parse cache hands out the same document for the same text): the read path
 * skips graphql-js's generic executor, which is most of the cost a GraphQL layer adds to a list.
 * Everything else runs on graphql-js, and so do requests whose variables graphql-js refuses (its
 * errors and HTTP 400 are the API's). `test/api/compiled-queries.test.ts` holds the two paths to
 * the same answers.
 *
 * graphql-jit does not watch the execution signal: past the deadline, `useRequestDeadline` answers
 * at once and every resolver refuses to start (src/graphql/deadline.ts), so a compiled query stops too.
 */
export function useCompiledQueries(options: CompiledQueriesOptions = {}): Plugin {
  const eligibleDocuments = new WeakMap<DocumentNode, Map<string, boolean>>();
  const decisions = new WeakMap<ExecutionArgs, boolean>();
  function runsCompiled(args: ExecutionArgs): boolean {
    let decision = decisions.get(args);
    if (decision !== undefined) return decision;
    const name = args.operationName ?? '';
    let byName = eligibleDocuments.get(args.document);
    if (!byName) eligibleDocuments.set(args.document, (byName = new Map()));
    let eligible = byName.get(name);
    if (eligible === undefined) byName.set(name, (eligible = isCompilable(args.schema, args.document, args.operationName)));
    const variables = eligible ? (getOperationAST(args.document, args.operationName)!.variableDefinitions ?? []) : [];
    decision = eligible && !getVariableValues(args.schema, variables, args.variableValues ?? {}).errors;
    decisions.set(args, decision);
    return decision;
  }

  const jit = useGraphQlJit({}, { enableIf: runsCompiled, onError: (result) => options.onCompileError?.(result.errors) }) as Plugin;
  // graphql-jit's errors carry `locations` but not the AST nodes graphql-js errors carry, and
  // Yoga rebuilds every error from those: give them source positions, as graphql-js would.
  const locateErrors: Plugin = {
    onExecute: ({ args, executeFn, setExecuteFn }) => {
      if (!runsCompiled(args)) return;
      const source = args.document.loc?.source;
      if (!source) return;
      setExecuteFn(async (executeArgs) => withPositions((await executeFn(executeArgs)) as ExecutionResult, source));
    },
  };
  return {
    onPluginInit: ({ addPlugin }) => {
      addPlugin(jit);
      addPlugin(locateErrors);
    },
  };
}

function withPositions(result: ExecutionResult, source: Source): ExecutionResult {
  if (!result.errors?.length) return result;
  const lineStarts = [0];
  for (const lineBreak of source.body.matchAll(/\r\n|[\n\r]/g)) lineStarts.push(lineBreak.index + lineBreak[0].length);
  const positionOf = ({ line, column }: SourceLocation) => (lineStarts[line - 1] ?? 0) + column - 1;
  const errors = result.errors.map((error) =>
    error.nodes || !error.locations?.length
      ? error
      : new GraphQLError(error.message, {
          source,
          positions: error.locations.map(positionOf),
          path: error.path,
          originalError: error.originalError,
          extensions: error.extensions,
        }),
  );
  return { ...result, errors };
}
