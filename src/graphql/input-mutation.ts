import type { InputObjectRef, ObjectFieldsShape, ObjectRef } from '@pothos/core';
import { builder, type BuilderTypes } from './builder.ts';
import type { Context } from './context.ts';
import { EXPECTED_VERSION_DESCRIPTION } from '../modules/shared/rules.ts';

interface InputMutationOptions<Input, Data> {
  /** What it does, who may, and its error codes. */
  description: string;
  /** The type of its one argument, `input`, and what that argument is. */
  input: [type: InputObjectRef<BuilderTypes, Input>, description: string];
  /** The field of its success payload holding the result, and what that is; without it, `type` is the success payload itself. */
  data?: [name: string, description: string];
  /** More fields of the success payload (the errors plugin's `result`), e.g. `nameOrderedEdgeResult`. */
  result?: { fields: ObjectFieldsShape<BuilderTypes, Data> };
  resolve: (input: Input, ctx: Context) => Promise<Data>;
}

/**
 * `name(input: …!): <Name>Result`: one `input` argument, and a union of the success payload (the
 * result in its `data` field) and the expected errors. The shape of every mutation; `type` is
 * 'ID' for those that answer an id.
 */
export function inputMutationField<Input, Data>(
  name: string,
  type: ObjectRef<BuilderTypes, Data> | 'ID',
  options: InputMutationOptions<Input, Data>,
) {
  const [input, inputDescription] = options.input;
  const errors = options.data
    ? { dataField: { name: options.data[0], description: options.data[1] }, ...(options.result && { result: options.result }) }
    : { directResult: true };
  builder.mutationField(name, (t) =>
    t.field({
      type,
      description: options.description,
      // Pothos cannot resolve its argument, payload and result types for a generic Input and Data
      // (TypeScript 6, which typescript-eslint and a bare `npx tsc` load, refuses `errors` too);
      // `options` states them.
      errors: errors as never,
      args: { input: t.arg({ type: input, required: true, description: inputDescription }) },
      resolve: (_root, args, ctx) => options.resolve((args as { input: Input }).input, ctx) as never,
    }),
  );
}

/** `id`: the object of `type` an input names, its global id decoded and type-checked here. */
export function idInputField(t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>, type: ObjectRef<BuilderTypes, unknown>) {
  return t.globalID({ required: true, for: type, description: `The ${type.name} id.` });
}

/**
 * `id expectedVersion`: the object a change input names, and the compare-and-set of the change.
 * @default expectedVersionDescription EXPECTED_VERSION_DESCRIPTION
 */
export function versionedInputFields(
  t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>,
  type: ObjectRef<BuilderTypes, unknown>,
  expectedVersionDescription = EXPECTED_VERSION_DESCRIPTION,
) {
  return {
    id: idInputField(t, type),
    expectedVersion: t.int({ description: expectedVersionDescription }),
  };
}
