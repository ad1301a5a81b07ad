import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { NotFoundError } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` can be a row id (a uuid): anything else names nothing and must not reach SQL. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** The opaque id clients see for a row: base64 of `Type:uuid`, as Relay's `node(id)` expects. */
export function toGlobalId(typename: string, id: string): string {
  return encodeGlobalID(typename, id);
}

/**
 * The row id inside a client's global id, checked to be of the expected type.
 * Anything else (garbage, another type, a non-uuid) is NotFound: to a client, it names nothing.
 */
export function fromGlobalId(globalId: string, typename: string): string {
  try {
    const { typename: actual, id } = decodeGlobalID(globalId);
    if (actual === typename && UUID.test(id)) return id.toLowerCase();
  } catch {
    // not base64 of "Type:id": falls through to NotFound
  }
  throw new NotFoundError(`No ${typename} with id "${globalId.slice(0, 100)}"`);
}

/** `fromGlobalId` for lists where an unknown id is reported per item rather than thrown: null when it names nothing. */
export function tryFromGlobalId(globalId: string, typename: string): string | null {
  try {
    return fromGlobalId(globalId, typename);
  } catch {
    return null;
  }
}
