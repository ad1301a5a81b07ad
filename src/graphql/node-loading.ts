import type { Context } from './context.ts';

/**
 * `loadManyWithoutCache` of a node type: each id through the type's own loader. Our dataloaders
 * cache per request; Pothos's own node cache can hand out an unbranded object when one id is
 * asked twice, so node types bypass it.
 */
export function loadEach<T>(load: (ctx: Context, id: string) => Promise<T | null>) {
  return (ids: string[], ctx: Context) => Promise.all(ids.map((id) => load(ctx, id)));
}

/** `id` and `loadManyWithoutCache` of a node type whose global id wraps the object's own `id`. */
export function nodeOfId<T extends { id: string }>(load: (ctx: Context, id: string) => Promise<T | null>) {
  return { id: { resolve: (object: T) => object.id }, loadManyWithoutCache: loadEach(load) };
}
