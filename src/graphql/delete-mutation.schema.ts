import type { ObjectRef } from '@pothos/core';
import { builder, type BuilderTypes } from './builder.ts';
import type { Context } from './context.ts';
import { toGlobalId } from './global-id.ts';
import { inputMutationField } from './input-mutation.ts';
import { EXPECTED_VERSION_DESCRIPTION } from '../modules/shared/rules.ts';

/**
 * `delete<Type>(input: { id, expectedVersion }): Delete<Type>Result` whose success holds
 * `deleted<Type>Id`: the same shape for every versioned object.
 */
export function deleteMutationField(
  type: ObjectRef<BuilderTypes, unknown>,
  description: string,
  remove: (ctx: Context, input: { id: string; expectedVersion?: number | null | undefined }) => Promise<void>,
): void {
  const input = builder.inputType(`Delete${type.name}Input`, {
    description: `The ${type.name} to delete.`,
    fields: (t) => ({
      id: t.globalID({ required: true, for: type, description: `The ${type.name}'s id.` }),
      expectedVersion: t.int({ description: EXPECTED_VERSION_DESCRIPTION }),
    }),
  });
  inputMutationField(`delete${type.name}`, 'ID', {
    description: `${description} Answers the deleted id, for Relay's \`@deleteRecord\`.`,
    input: [input, `The ${type.name} to delete.`],
    data: [`deleted${type.name}Id`, `The id of the ${type.name} deleted.`],
    resolve: async ({ id: { id }, expectedVersion }, ctx) => {
      await remove(ctx, { id, expectedVersion });
      return toGlobalId(type.name, id);
    },
  });
}
