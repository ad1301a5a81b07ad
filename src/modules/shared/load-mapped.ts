import type DataLoader from 'dataloader';

/**
 * What the request's loader finds for `key`, as `map` presents it to the schema; null when the
 * viewer may not see it, as for a key that names nothing.
 */
export async function loadMapped<K, Row, T>(loader: DataLoader<K, Row | null>, key: K, map: (row: Row) => T): Promise<T | null> {
  const row = await loader.load(key);
  return row ? map(row) : null;
}
