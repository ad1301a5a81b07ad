import { getOperationAST, OperationTypeNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isDatabaseUnavailable } from '../../database/database-errors.ts';
import type { ReadRouting } from '../../database/read-routing.ts';
import { createLoaders, type Context } from '../../graphql/context.ts';

/** A hot standby cancels a query whose rows its replay must remove ("conflict with recovery"). */
const CONFLICT_WITH_RECOVERY = '40001';

/** Whether an execution failed for the replica's sake: it went away (stopped, restarting) or replay cancelled a query. */
function failedOnReplica(result: unknown): boolean {
  const errors = (result as ExecutionResult | undefined)?.errors;
  return Boolean(
    errors?.some(
      (error) =>
        isDatabaseUnavailable(error.originalError) ||
        (error.originalError as { code?: unknown } | undefined)?.code === CONFLICT_WITH_RECOVERY,
    ),
  );
}

/**
 * Sends each query to the database `routing` picks (its context's `db` and loaders), and records
 * the primary's WAL position after each mutation, which always runs on the primary. A query the
 * replica fails (stopped, restarting, a conflict with recovery) runs again on the primary: the
 * client never sees it.
 * Before useRateLimit, so that its lookups read where the query will.
 */
export function useReadRouting(routing: ReadRouting): Plugin {
  return {
    async onExecute({ args, executeFn, setExecuteFn }) {
      const ctx = args.contextValue as unknown as Context;
      const operation = getOperationAST(args.document, args.operationName)?.operation;
      if (operation === OperationTypeNode.MUTATION) {
        setExecuteFn(async (executeArgs) => {
          try {
            return await executeFn(executeArgs);
          } finally {
            await routing.recordWrite(ctx.viewer.userId);
          }
        });
        return;
      }
      if (operation !== OperationTypeNode.QUERY) return;
      const primary = ctx.db;
      const reader = await routing.readerFor(ctx.viewer.userId);
      if (reader === primary) return;
      // The same context object all the way down (plugins key their state by it): its database swapped.
      const readFrom = (db: Context['db']) => Object.assign(ctx, { db, loaders: createLoaders(db, ctx.viewer) });
      readFrom(reader);
      setExecuteFn(async (executeArgs) => {
        const result = await executeFn(executeArgs);
        if (!failedOnReplica(result)) return result;
        routing.markDown();
        readFrom(primary);
        return executeFn(executeArgs);
      });
    },
  };
}
