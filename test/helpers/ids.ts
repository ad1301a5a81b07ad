import { randomUUID } from 'node:crypto';

/** The row uuid inside a global id (base64 of `Type:uuid`). */
export function rawId(globalId: string): string {
  const decoded = Buffer.from(globalId, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

/** A well-formed global id of `typename` that names no row: base64 of `Type:<random uuid>`. */
export function unknownId(typename: string): string {
  return Buffer.from(`${typename}:${randomUUID()}`).toString('base64');
}
