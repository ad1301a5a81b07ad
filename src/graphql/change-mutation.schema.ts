import type { InputFieldMap, InputShapeFromFields, ObjectRef } from '@pothos/core';
import { builder, type BuilderTypes } from './builder.ts';
import type { Context } from './context.ts';
import { inputMutationField, versionedInputFields } from './input-mutation.ts';
import { fieldNameOf, typeInWords } from './type-names.ts';

interface ChangeMutationOptions<Fields extends InputFieldMap, Data> {
  /** What it does, who may, and its error codes. */
  description: string;
  /** What its input type, `<Name>Input`, holds. */
  input: string;
  /**
   * What the `input` argument is.
   * @default 'The change.'
   */
  argument?: string;
  /** The input's fields besides `id` and `expectedVersion`. */
  fields?: (t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>) => Fields;
  /**
   * The description of `expectedVersion`.
   * @default EXPECTED_VERSION_DESCRIPTION
   */
  expectedVersion?: string;
  /**
   * What the success payload's `<type>` field (`secret`, `vaultConnection`, …) holds.
   * @default 'The <type, in words> as it is now.'
   */
  data?: string;
  /** The service call, given the input with `id` decoded to the object's uuid; `fields` alone decide the input's type. */
  resolve: (input: NoInfer<InputShapeFromFields<Fields>> & { id: string; expectedVersion?: number | null }, ctx: Context) => Promise<Data>;
}

/**
 * `<name>(input: { id, expectedVersion, …fields }): <Name>Result` whose success holds the object of
 * `type` as it is now, in a field named after the type (`secret`, `vaultConnection`): the shape of
 * every change to one versioned object (update, rotate, promote, restore, …).
 */
export function changeMutationField<Fields extends InputFieldMap, Data>(
  name: string,
  type: ObjectRef<BuilderTypes, Data>,
  options: ChangeMutationOptions<Fields, Data>,
): void {
  const input = builder.inputType(`${name[0]!.toUpperCase()}${name.slice(1)}Input`, {
    description: options.input,
    fields: (t) => ({ ...versionedInputFields(t, type, options.expectedVersion), ...options.fields?.(t) }),
  });
  inputMutationField(name, type, {
    description: options.description,
    input: [input, options.argument ?? 'The change.'],
    data: [fieldNameOf(type.name), options.data ?? `The ${typeInWords(type.name)} as it is now.`],
    // Pothos cannot spell out the input's shape for a generic Fields; `options.resolve` states it.
    resolve: (input, ctx) => options.resolve({ ...input, id: input.id.id } as never, ctx),
  });
}
