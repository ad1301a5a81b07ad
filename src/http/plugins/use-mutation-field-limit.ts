import { getOperationAST, GraphQLError, OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { rootFieldsOf } from './root-fields.ts';

export interface MutationFieldLimitOptions {
  /** Root mutation fields one operation may hold (aliases count one each). @default 10 */
  max?: number;
}

/**
 * Refuses, before anything runs, an operation with more than `max` root mutation fields: one
 * request must not carry a batch of changes (20 aliased `rotateSecret`). Each root field is
 * charged to the rate limits on its own (useRateLimit); this bounds what one request can do at
 * once. Place it before useRateLimit, so a refused operation spends no budget.
 */
export function useMutationFieldLimit({ max = 10 }: MutationFieldLimitOptions = {}): Plugin {
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      // Queries pass at once: only a mutation's root fields are worth collecting.
      if (getOperationAST(args.document, args.operationName)?.operation !== OperationTypeNode.MUTATION) return;
      const root = rootFieldsOf(args.schema, args.document, args.operationName, args.variableValues);
      if (root?.operation !== OperationTypeNode.MUTATION || root.fields.length <= max) return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(
            `Too many mutations in one operation: ${root.fields.length} root mutation fields, at most ${max}; send them in several requests`,
            {
              extensions: { code: 'TOO_MANY_MUTATIONS', http: { status: 400 } },
            },
          ),
        ],
      });
    },
  };
}
