import { getArgumentValues, Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Look-ahead at the selection set, so that a list can fold what its items are asked for into its
 * own statement. An approximation on purpose: directives (`@include`/`@skip`) are ignored and every
 * type condition is followed, so it may see more than will be resolved, never less than what it
 * reports. Folding something that is then not resolved costs a little SQL, never a wrong answer:
 * folded rows only prime the loaders the fields read through anyway.
 */

/**
 * What look-ahead reads of a field being resolved: its resolve info, or the same facts taken from
 * the document before execution (the rate limiter's lookup of `node(id)`, src/http/plugins/root-fields.ts).
 */
export type Selection = Pick<GraphQLResolveInfo, 'schema' | 'fragments' | 'variableValues' | 'fieldNodes'>;

function fieldsOf(info: Selection, sets: readonly (SelectionSetNode | undefined)[]): FieldNode[] {
  const fields: FieldNode[] = [];
  const walk = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else walk(info.fragments[selection.name.value]?.selectionSet);
    }
  };
  for (const set of sets) walk(set);
  return fields;
}

/** The fields asked for at `path` below `from` (the resolving field), e.g. `['edges', 'node']` for a connection's items. */
export function fieldsBelow(info: Selection, path: readonly string[], from: readonly FieldNode[] = info.fieldNodes): FieldNode[] {
  let fields = from;
  for (const name of path)
    fields = fieldsOf(
      info,
      fields.map((field) => field.selectionSet),
    ).filter((field) => field.name.value === name);
  return fieldsOf(
    info,
    fields.map((field) => field.selectionSet),
  );
}

/** The arguments of `field` (of `typeName`) as the executor will coerce them, variables and defaults applied; null if they do not coerce. */
export function argumentsOf(info: Selection, typeName: string, field: FieldNode): Record<string, unknown> | null {
  const type = info.schema.getType(typeName);
  const definition = type && 'getFields' in type ? type.getFields()[field.name.value] : undefined;
  if (!definition || !('args' in definition)) return null;
  try {
    return getArgumentValues(definition, field, info.variableValues);
  } catch {
    return null;
  }
}
