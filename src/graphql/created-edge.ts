import type { ObjectRef } from '@pothos/core';
import type { BuilderTypes } from './builder.ts';
import type { Context } from './context.ts';
import { encodeCursor } from './pagination.ts';
import { defaultOrderCursorKey, type NamedTable } from '../database/keyset.ts';

interface CreatedEdgeOptions<Parent, Node> {
  /** The edge type of the connection the new object appears in (shared with that connection). */
  type: ObjectRef<BuilderTypes, { cursor: string; node: Node }>;
  /** That connection, as `Type.field`, for the description. */
  connection: string;
  /** The new object, from the success payload. */
  node: (parent: Parent) => Node;
  /** The object's cursor key in the connection's default order. */
  cursorKey: (node: Node, ctx: Context) => Promise<readonly [string, string]> | readonly [string, string];
}

/**
 * `<name>Edge` on a create's success payload: the new object as an edge of the connection it
 * appears in, so that Relay's `@appendEdge`/`@prependEdge` can insert it. Its cursor is one of the
 * connection's default order, so paging on from it reads what follows it in that list.
 */
export function createdEdgeField<Parent, Node>(
  t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, Parent>,
  options: CreatedEdgeOptions<Parent, Node>,
) {
  return t.field({
    type: options.type,
    description: `The new object as an edge of \`${options.connection}\`, its cursor one of that list's default order (for Relay's \`@appendEdge\`).`,
    resolve: async (parent, _args, ctx) => {
      const node = options.node(parent);
      return { cursor: encodeCursor(await options.cursorKey(node, ctx)), node };
    },
  });
}

/**
 * The errors plugin's `result` option of a create whose object is listed by name (`table`'s
 * default order): its success payload gains `<field>` (`secretEdge`, …), the edge of `connection`.
 */
export function nameOrderedEdgeResult<Node extends { id: string }>(
  field: string,
  type: ObjectRef<BuilderTypes, { cursor: string; node: Node }>,
  connection: string,
  table: NamedTable,
) {
  return {
    fields: (t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, Node>) => ({
      [field]: createdEdgeField(t, {
        type,
        connection,
        node: (node) => node,
        cursorKey: (node, ctx) => defaultOrderCursorKey(ctx.db, table, node.id),
      }),
    }),
  };
}
