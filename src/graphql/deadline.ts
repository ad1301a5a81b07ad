import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { defaultFieldResolver, type GraphQLFieldResolver } from 'graphql';

/** The deadline signal of each request being executed, by its context object (see `useRequestDeadline`). */
const deadlines = new WeakMap<object, AbortSignal>();
/** The deadline itself (a `performance.now()` time), for work that must plan to finish before it. */
const deadlineTimes = new WeakMap<object, number>();

/**
 * A signal that aborts with `reason()` once `deadline` (a `performance.now()` time) has passed,
 * noticed the moment anyone asks (`aborted`, `throwIfAborted`), not only when a timer gets its
 * turn: a request whose work never yields to the event loop (resolvers answered from memory, a
 * loader whose database call settles in microtasks, as PGlite's do) would otherwise run to its end
 * before the timer could fire. The executor asks before every field.
 */
export function deadlineSignal(controller: AbortController, deadline: number, reason: () => unknown): AbortSignal {
  const signal = controller.signal;
  const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
  const check = () => {
    if (!abortedOf.call(signal) && performance.now() >= deadline) controller.abort(reason());
  };
  Object.defineProperties(signal, {
    aborted: {
      get() {
        check();
        return abortedOf.call(signal);
      },
    },
    throwIfAborted: {
      value() {
        check();
        AbortSignal.prototype.throwIfAborted.call(signal);
      },
    },
  });
  return signal;
}

/** Makes every resolver of this request's execution check `signal` first (see `DeadlinePlugin`); `deadline` is when it aborts. */
export function watchDeadline(context: object, signal: AbortSignal, deadline: number): void {
  deadlines.set(context, signal);
  deadlineTimes.set(context, deadline);
}

/**
 * Milliseconds left before this request's deadline; undefined when it has none (a call outside
 * useRequestDeadline). For work with a budget of its own (a storage verification) that must
 * still answer, and store what it found, before the request is stopped.
 */
export function timeLeftMs(context: object): number | undefined {
  const deadline = deadlineTimes.get(context);
  return deadline === undefined ? undefined : deadline - performance.now();
}

/**
 * Checks the request's deadline before each resolver (exposed fields, mere property reads,
 * aside). graphql-js checks the execution signal before every field, but graphql-jit's compiled
 * queries never look at it: without this a compiled query past its deadline would go on starting
 * resolvers (and database batches) to its end. One WeakMap lookup per resolver call.
 */
export class DeadlinePlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    _fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    // An exposed field reads a property of an object already loaded: no work to stop, and left
    // unwrapped, graphql-jit reads it inline instead of calling a resolver with its own info
    // object (about 90 of the schema's fields; ~9 % less CPU per list request).
    if (resolver === defaultFieldResolver) return resolver;
    return (parent, args, context, info) => {
      deadlines.get(context)?.throwIfAborted();
      return resolver(parent, args, context, info);
    };
  }
}

SchemaBuilder.registerPlugin('deadline', DeadlinePlugin);

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      deadline: DeadlinePlugin<Types>;
    }
  }
}
