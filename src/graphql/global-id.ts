import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { isObjectType, type GraphQLSchema } from 'graphql';
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
 * The row id inside a global id given outside GraphQL (the CLI's arguments), checked to be of the
 * expected type; GraphQL arguments are decoded by `t.arg.globalID` (global-id-args.ts).
 * Anything else (garbage, another type, a non-uuid) is NotFound: to a client, it names nothing.
 */
export function fromGlobalId(globalId: string, typename: string): string {
  try {
    const { typename: actual, id } = decodeGlobalID(globalId);
    if (actual === typename && UUID.test(id)) return id.toLowerCase();
  } catch {
    // not base64 of "Type:id": falls through to NotFound
  }
  // Never the id itself: a client may paste anything into an id argument, a credential included.
  throw new NotFoundError(`No ${typename} with this id`);
}

/**
 * The row id of an object keyed by two columns (a membership, a secret version): the parts
 * joined by '.', because a global id's row id ends at the next ':'.
 */
export function compositeId(first: string, second: string | number): string {
  return `${first}.${second}`;
}

/** The two parts of a `compositeId`, or null when `id` is not one. */
export function splitCompositeId(id: string): [string, string] | null {
  const parts = id.split('.');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : null;
}

/** What `node(id)` and `nodes(ids)` answer for an id that names no object. */
export const NO_OBJECT = 'No object with this id';

/**
 * `decodeGlobalID` for the relay plugin (`node`/`nodes` and every `globalID` argument): an id that is not base64 of
 * `Type:id` names no type (`typename: ''`) instead of throwing Pothos's "Invalid global ID: <the id>".
 */
export function decodeNodeId(globalId: string): { typename: string; id: string } {
  try {
    const { typename, id } = decodeGlobalID(globalId);
    // Row ids are lowercase uuids (and numbers): an uppercase copy of an id names the same object.
    return { typename, id: id.toLowerCase() };
  } catch {
    return { typename: '', id: '' };
  }
}

/**
 * Whether `typename` names a type `node(id)` can load (one that implements Node). Pothos's own
 * answers for anything else are internal texts ("ApiToken does not support loading by id",
 * "secret has not been implemented").
 */
export function isNodeType(schema: GraphQLSchema, typename: string): boolean {
  const type = schema.getType(typename);
  return isObjectType(type) && type.getInterfaces().some((face) => face.name === 'Node');
}
