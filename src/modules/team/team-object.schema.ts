import type { FieldMap, InputFieldMap, InputShapeFromFields, ObjectRef } from '@pothos/core';
import { builder, type BuilderTypes } from '../../graphql/builder.ts';
import type { Context } from '../../graphql/context.ts';
import { nameOrderedEdgeResult } from '../../graphql/created-edge.ts';
import { idInputField, inputMutationField } from '../../graphql/input-mutation.ts';
import { nodeOfId } from '../../graphql/node-loading.ts';
import { fieldNameOf, typeInWords } from '../../graphql/type-names.ts';
import type { NamedTable } from '../../database/keyset.ts';
import {
  DESCRIPTION_DESCRIPTION,
  IDEMPOTENCY_KEY_DESCRIPTION,
  TEAM_UNIQUE_NAME_DESCRIPTION,
  description,
  idempotencyKey,
  teamUniqueName,
} from '../shared/rules.ts';
import { authorshipFields, type Authored } from '../auth/auth.schema.ts';
import { TeamRef, teamField, VERSION_DESCRIPTION } from './team.schema.ts';

// The named, versioned objects of a team (secret, location, vault connection, workspace): the
// fields, node type and create mutation they share.

type InputFieldBuilder = PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>;

/** What a team's named, versioned object records. */
interface TeamObject extends Authored {
  id: string;
  teamId: string;
  name: string;
  description: string | null;
  version: number;
}

/**
 * `team name description version` and the authorship fields of a team's named, versioned object,
 * `what` naming it; `nameDescription` states its name rule.
 */
function teamObjectFields<T extends TeamObject>(
  t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, T>,
  what: string,
  nameDescription = TEAM_UNIQUE_NAME_DESCRIPTION,
) {
  return {
    team: teamField(t, `The team the ${what} belongs to.`),
    name: t.string({ description: nameDescription, resolve: (o) => o.name }),
    description: t.string({ nullable: true, description: DESCRIPTION_DESCRIPTION, resolve: (o) => o.description }),
    version: t.int({ description: VERSION_DESCRIPTION, resolve: (o) => o.version }),
    ...authorshipFields(t),
  };
}

interface TeamObjectNodeOptions<T extends TeamObject> {
  /** What the type is. */
  description: string;
  /** The object by id, through the request's loader (null when the viewer may not see it). */
  load: (ctx: Context, id: string) => Promise<T | null>;
  /** The object in words, for `team`'s description ("The team the location belongs to."). */
  what: string;
  /** `name`'s description: its rule. @default TEAM_UNIQUE_NAME_DESCRIPTION */
  nameDescription?: string;
  /** Its own fields, beside the shared ones. */
  fields: (t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, T>) => FieldMap;
}

/** The node type `name` of a team's named, versioned object, with the fields every such object has. */
export function teamObjectNode<T extends TeamObject>(name: string, options: TeamObjectNodeOptions<T>): ObjectRef<BuilderTypes, T> {
  const ref = builder.objectRef<T>(name);
  builder.node(ref, {
    description: options.description,
    ...nodeOfId(options.load),
    fields: (t) => ({ ...teamObjectFields(t, options.what, options.nameDescription), ...options.fields(t) }),
  });
  return ref;
}

/** `name description` of a change to a team object (with `changeMutationField`); `descriptionDescription` documents `description`. */
export function teamObjectChangeFields(t: InputFieldBuilder, descriptionDescription: string) {
  return {
    name: t.string({ validate: teamUniqueName, description: TEAM_UNIQUE_NAME_DESCRIPTION }),
    description: t.string({ validate: description, description: descriptionDescription }),
  };
}

/** `teamId name description idempotencyKey`: what every new team object is given. */
function createTeamObjectFields(t: InputFieldBuilder) {
  return {
    teamId: idInputField(t, TeamRef),
    name: t.string({ required: true, validate: teamUniqueName, description: TEAM_UNIQUE_NAME_DESCRIPTION }),
    description: t.string({ validate: description, description: DESCRIPTION_DESCRIPTION }),
    idempotencyKey: t.string({ validate: idempotencyKey, description: IDEMPOTENCY_KEY_DESCRIPTION }),
  };
}

/** What `createTeamObjectMutationField` hands its service call besides `fields`, `teamId` decoded. */
interface NewTeamObject {
  teamId: string;
  name: string;
  description?: string | null;
  idempotencyKey?: string | null;
}

interface CreateTeamObjectOptions<Fields extends InputFieldMap, T extends TeamObject> {
  /** What it does, who may, and its error codes. */
  description: string;
  /** What its input type, `Create<Type>Input`, holds. */
  input: string;
  /** The object in words, in the argument's and the payload's descriptions. @default the type's name in words */
  what?: string;
  /** The input's fields besides `teamId name description idempotencyKey`. */
  fields?: (t: InputFieldBuilder) => Fields;
  /** The edge type of the team's list of these objects, that list (`Team.locations`) and its table. */
  edge: [type: ObjectRef<BuilderTypes, { cursor: string; node: T }>, connection: string, table: NamedTable];
  /** The service call, given the input with `teamId` decoded; `fields` alone decide the rest of its type. */
  resolve: (input: NoInfer<InputShapeFromFields<Fields>> & NewTeamObject, ctx: Context) => Promise<T>;
}

/**
 * `create<Type>(input: Create<Type>Input!)` of a team's named object: its success holds the object
 * (`<type>`) and its edge in the team's list (`<type>Edge`, for Relay's `@appendEdge`).
 */
export function createTeamObjectMutationField<Fields extends InputFieldMap, T extends TeamObject>(
  type: ObjectRef<BuilderTypes, T>,
  options: CreateTeamObjectOptions<Fields, T>,
): void {
  const input = builder.inputType(`Create${type.name}Input`, {
    description: options.input,
    fields: (t) => ({ ...createTeamObjectFields(t), ...options.fields?.(t) }),
  });
  const what = options.what ?? typeInWords(type.name);
  inputMutationField(`create${type.name}`, type, {
    description: options.description,
    input: [input, `The ${what} to create.`],
    data: [fieldNameOf(type.name), `The ${what} created.`],
    result: nameOrderedEdgeResult(`${fieldNameOf(type.name)}Edge`, ...options.edge),
    // Pothos cannot spell out the input's shape for a generic Fields; `options.resolve` states it.
    resolve: (input, ctx) => options.resolve({ ...input, teamId: input.teamId.id } as never, ctx),
  });
}
