import { decodeGlobalID } from '@pothos/plugin-relay';
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  isInputObjectType,
  isListType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationTypeNode,
} from 'graphql';
import { collectFields } from 'graphql/execution/collectFields.js';
import { isUuid } from '../../graphql/global-id.ts';
import type { Selection } from '../../graphql/lookahead.ts';

/** A global id found in an argument: the object type it names and its row id. */
export interface GlobalRef {
  typename: string;
  id: string;
}

/** One root field as it will execute: fields merged by response key, as graphql-js merges them. */
export interface RootField {
  responseKey: string;
  fieldName: string;
  /** Every well-formed global id among its `ID` arguments (inputs and lists included). */
  refs: GlobalRef[];
  /** Its selections, for look-ahead before execution (variables as sent, not yet coerced). */
  selection: Selection;
}

export interface RootFields {
  operation: OperationTypeNode;
  fields: RootField[];
}

/** Bound on the ids read from one field's arguments (`nodes(ids)` takes at most 100 anyway). */
const MAX_REFS_PER_FIELD = 100;

function collectIds(type: GraphQLInputType, value: unknown, into: GlobalRef[]): void {
  if (value == null || into.length >= MAX_REFS_PER_FIELD) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (Array.isArray(value)) for (const item of value) collectIds(nullable.ofType, item, into);
    return;
  }
  if (isInputObjectType(nullable)) {
    if (typeof value !== 'object') return;
    for (const field of Object.values(nullable.getFields())) collectIds(field.type, (value as Record<string, unknown>)[field.name], into);
    return;
  }
  if (getNamedType(nullable).name !== 'ID' || typeof value !== 'string') return;
  try {
    const { typename, id } = decodeGlobalID(value);
    if (isUuid(id)) into.push({ typename, id: id.toLowerCase() });
  } catch {
    // not a global id: names nothing
  }
}

/**
 * The root fields of the operation that will run (fragments and `@skip`/`@include` applied,
 * `__typename` left out) and the global ids each one's arguments name. Read before execution, on
 * a valid document; null when there is no such operation.
 */
export function rootFieldsOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): RootFields | null {
  const operation = getOperationAST(document, operationName);
  const rootType = operation && schema.getRootType(operation.operation);
  if (!operation || !rootType) return null;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  const fields: RootField[] = [];
  for (const [responseKey, nodes] of collectFields(schema, fragments, variables ?? {}, rootType, operation.selectionSet)) {
    const node = nodes[0]!;
    const definition = rootType.getFields()[node.name.value];
    if (!definition) continue; // __typename
    const refs: GlobalRef[] = [];
    try {
      const args = getArgumentValues(definition, node, variables ?? {});
      for (const arg of definition.args) collectIds(arg.type, args[arg.name], refs);
    } catch {
      // arguments that do not coerce: execution reports them, nothing is targeted
    }
    fields.push({
      responseKey,
      fieldName: node.name.value,
      refs,
      selection: { schema, fragments, variableValues: variables ?? {}, fieldNodes: nodes },
    });
  }
  return { operation: operation.operation, fields };
}
