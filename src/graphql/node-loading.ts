import type { Context } from './context.ts';
import type { Selection } from './lookahead.ts';

/**
 * `loadManyWithoutCache` of a node type: each id through the type's own loader. Our dataloaders
 * cache per request; Pothos's own node cache can hand out an unbranded object when one id is
 * asked twice, so node types bypass it.
 */
export function loadEach<T>(load: (ctx: Context, id: string) => Promise<T | null>) {
  return (ids: string[], ctx: Context) => Promise.all(ids.map((id) => load(ctx, id)));
}

/** `id` and `loadManyWithoutCache` of a node type whose global id wraps the object's own `id`; `idDescription` describes that `id`. */
export function nodeOfId<T extends { id: string }>(load: (ctx: Context, id: string) => Promise<T | null>, idDescription?: string) {
  // An absent description keeps the default one of node ids (an undefined one would erase it).
  return {
    id: { resolve: (object: T) => object.id, ...(idDescription && { description: idDescription }) },
    loadManyWithoutCache: loadEach(load),
  };
}

/** A node type's read ahead of `node(id)` resolving it: the object and what the query asks of it, in one statement. */
type NodePrefetch = (ctx: Context, id: string, selection: Selection) => Promise<void>;
const prefetches = new Map<string, NodePrefetch>();

/** Registers `typename`'s prefetch (its module's schema file does, e.g. secret.schema.ts). */
export function prefetchNodeWith(typename: string, prefetch: NodePrefetch): void {
  prefetches.set(typename, prefetch);
}

/**
 * The prefetches a request started, by root field and id: the rate limiter's lookup and the
 * resolver share one. Kept by the loaders it primes, not by the context: a query the replica
 * failed runs again on the primary with fresh loaders (useReadRouting), and prefetches anew there
 * instead of finding the failed one.
 */
const started = new WeakMap<Context['loaders'], Map<string, Promise<void>>>();

/**
 * Runs the prefetch of the node type `ref` names, if it has one, once per request for the root
 * field `responseKey` (the rate limiter runs it before execution to find the object's team, then
 * `Query.node` finds it done); its loaders then answer `node(id)`.
 */
export function prefetchNode(
  ctx: Context,
  ref: { typename: string; id: string },
  responseKey: string,
  selection: Selection,
): Promise<void> {
  const prefetch = prefetches.get(ref.typename);
  if (!prefetch) return Promise.resolve();
  let byField = started.get(ctx.loaders);
  if (!byField) started.set(ctx.loaders, (byField = new Map()));
  const key = `${responseKey}\u0000${ref.typename}:${ref.id.toLowerCase()}`;
  let running = byField.get(key);
  if (!running) byField.set(key, (running = prefetch(ctx, ref.id, selection)));
  return running;
}
