import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { getOperationAST, GraphQLError, Kind, visit, type ArgumentNode, type DocumentNode, type FieldNode } from 'graphql';
import { MAX_PAGE_SIZE } from '../../graphql/pagination.ts';
import type { Plugin } from 'graphql-yoga';

export interface QueryLimitsOptions {
  /** Deepest selection allowed. @default 12 */
  maxDepth?: number;
  /** graphql-armor's static cost: list-aware but coarse, an outer ceiling (the Pothos complexity plugin's finer limit comes first). @default 50_000 */
  maxCost?: number;
  /** @default 20 */
  maxAliases?: number;
  /** @default 20 */
  maxDirectives?: number;
  /** Parser tokens in one document. @default 3000 */
  maxTokens?: number;
  /**
   * Hide "Did you mean …?" suggestions, which map the schema for an attacker: `true` always, or a
   * function answering, per request whose errors hold one, whether to hide them (in development:
   * from whoever has no valid token). @default false
   */
  hideSuggestions?: boolean | ((request: Request) => Promise<boolean>);
}

/**
 * The first gate on every operation, before any resolver runs: graphql-armor's depth, cost,
 * alias, directive and token limits. List-aware cost (`first: 100` inside `first: 100`) is the
 * Pothos complexity plugin's job, in src/graphql/builder.ts.
 */
export function useQueryLimits(options: QueryLimitsOptions = {}): Plugin {
  const { maxDepth = 12, maxCost = 50_000, maxAliases = 20, maxDirectives = 20, maxTokens = 3000, hideSuggestions = false } = options;
  const armor = EnvelopArmorPlugin({
    maxDepth: { n: maxDepth, ignoreIntrospection: true },
    // Linear in depth: armor's default factor grows exponentially and refuses ordinary nested reads.
    costLimit: { maxCost, depthCostFactor: 1, ignoreIntrospection: true },
    maxAliases: { n: maxAliases },
    maxDirectives: { n: maxDirectives },
    maxTokens: { n: maxTokens },
    blockFieldSuggestion: { enabled: hideSuggestions === true },
  }) as Plugin;
  return {
    onPluginInit: ({ addPlugin }) => {
      addPlugin(armor);
      addPlugin(useParserStackGuard());
      if (typeof hideSuggestions === 'function') addPlugin(useSuggestionsHiddenWhen(hideSuggestions));
    },
  };
}

/** graphql-js's suggestions: `Did you mean "a" or "b"?`, `Did you mean the enum value "X"?`, … */
const SUGGESTION = /\s*Did you mean [^?]*\?/;
const SUGGESTIONS = new RegExp(SUGGESTION.source, 'g');

/** Removes suggestions from a result's error messages when `hide(request)` says so (validation errors come before authentication). */
function useSuggestionsHiddenWhen(hide: (request: Request) => Promise<boolean>): Plugin {
  return {
    onExecutionResult: async ({ request, result, setResult }) => {
      if (!result || !('errors' in result) || !result.errors?.some((error) => SUGGESTION.test(error.message))) return;
      let hidden = true;
      try {
        hidden = await hide(request);
      } catch {
        // Cannot tell (the database is down): hide them.
      }
      if (!hidden) return;
      setResult({
        ...result,
        errors: result.errors.map((error) =>
          error instanceof GraphQLError
            ? new GraphQLError(error.message.replace(SUGGESTIONS, ''), {
                nodes: error.nodes,
                source: error.source,
                positions: error.positions,
                path: error.path,
                originalError: error.originalError,
                extensions: error.extensions,
              })
            : error,
        ),
      });
    },
  };
}

export interface ListArgumentLimitOptions {
  /** Items one list argument may hold. @default 100 (MAX_PAGE_SIZE, as `first`) */
  max?: number;
}

/**
 * Refuses an operation that gives a field a list argument longer than `max` items, before any
 * variable is coerced or any argument mapped: 20 aliases of `nodes(ids: $ids)` with 12,000 ids
 * would otherwise decode 240,000 global ids (twice: for the complexity estimate, then for the
 * resolvers) before anything could refuse them, seconds of a blocked event loop. A list inside
 * an input object (a mutation's `input`) is the input's own business and is not counted here.
 * Install it before any plugin that coerces variables (useCompiledQueries does, to decide).
 */
export function useListArgumentLimit({ max = MAX_PAGE_SIZE }: ListArgumentLimitOptions = {}): Plugin {
  // The walk of the document is the same for every request with that document and operation:
  // done once (Yoga hands out the same parsed document for the same text), only the variables'
  // lengths are read per request.
  const sitesByDocument = new WeakMap<DocumentNode, Map<string, readonly ListArgumentSite[] | null>>();
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      let byOperation = sitesByDocument.get(args.document);
      if (!byOperation) sitesByDocument.set(args.document, (byOperation = new Map()));
      const name = args.operationName ?? '';
      let sites = byOperation.get(name);
      if (sites === undefined) byOperation.set(name, (sites = listArgumentSites(args.document, args.operationName, max)));
      if (!sites) return;
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      for (const { field, argument, length: literalLength, variable } of sites) {
        const value = variable === undefined ? undefined : variables[variable];
        const length = literalLength ?? (Array.isArray(value) ? value.length : 0);
        if (length > max) {
          setResultAndStopExecution({
            errors: [
              new GraphQLError(
                `Argument "${argument.name.value}" of "${field.name.value}" must hold at most ${max} items (got ${length})`,
                {
                  nodes: [argument],
                  extensions: { code: 'BAD_USER_INPUT' },
                },
              ),
            ],
          });
          return;
        }
      }
    },
  };
}

/** A field argument that may hold more than the limit: a list literal longer than it, or a variable. */
interface ListArgumentSite {
  field: FieldNode;
  argument: ArgumentNode;
  /** A literal's length; undefined for a variable. */
  length?: number;
  variable?: string;
}

/** The arguments that can exceed `max`, in document order; null when the document has no such operation. */
function listArgumentSites(document: DocumentNode, operationName: string | null | undefined, max: number): ListArgumentSite[] | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  // The operation and every fragment it may spread: a field inside a fragment counts the same.
  const definitions = [operation, ...document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)];
  const sites: ListArgumentSite[] = [];
  visit(
    { kind: Kind.DOCUMENT, definitions },
    {
      [Kind.FIELD]: (field) => {
        for (const argument of field.arguments ?? []) {
          const { value } = argument;
          if (value.kind === Kind.LIST && value.values.length > max) sites.push({ field, argument, length: value.values.length });
          else if (value.kind === Kind.VARIABLE) sites.push({ field, argument, variable: value.name.value });
        }
      },
    },
  );
  return sites;
}

/**
 * graphql-js parses recursively: a list literal nested a few thousand deep (`[[[…]]]`, one token
 * a level, so within the token limit) overflows the stack before the token limit stops it. That
 * RangeError would be an HTTP 500; it is a syntax error like any other document we cannot parse.
 */
function useParserStackGuard(): Plugin {
  return {
    onParse:
      () =>
      ({ result, replaceParseResult }) => {
        if (result instanceof RangeError) replaceParseResult(new GraphQLError('Syntax Error: the document is nested too deeply.'));
      },
  };
}
