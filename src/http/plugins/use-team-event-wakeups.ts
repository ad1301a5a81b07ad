import type { Plugin } from 'graphql-yoga';
import type { Context } from '../../graphql/context.ts';

/**
 * Wakes the subscribers of every team whose event stream an operation appended to, once its
 * execution is over: each mutation's transaction has committed (or rolled back: a wake-up that
 * finds nothing new costs one read). A wake-up is a hint; the events come from the outbox.
 */
export function useTeamEventWakeups(): Plugin<Context> {
  return {
    onExecute: () => ({
      onExecuteDone: ({ args }) => {
        const ctx = args.contextValue as Context;
        if (ctx.teamsWithNewEvents.size === 0) return;
        ctx.events.notify(ctx.teamsWithNewEvents);
        ctx.teamsWithNewEvents.clear();
      },
    }),
  };
}
