import type { ObjectRef } from '@pothos/core';
import { builder } from './builder.ts';
import type { Context } from './context.ts';
import { toGlobalId } from './global-id.ts';
import { EXPECTED_VERSION_DESCRIPTION } from '../modules/shared/rules.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * `delete<Type>(input: { id, expectedVersion }): Delete<Type>Result` whose success holds
 * `deleted<Type>Id`: the same shape for every versioned object.
 */
export function deleteMutationField(
  type: ObjectRef<Types, unknown>,
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
  builder.mutationField(`delete${type.name}`, (t) =>
    t.field({
      type: 'ID',
      description: `${description} Answers the deleted id, for Relay's \`@deleteRecord\`.`,
      errors: { dataField: { name: `deleted${type.name}Id`, description: `The id of the ${type.name} deleted.` } },
      args: { input: t.arg({ type: input, required: true, description: `The ${type.name} to delete.` }) },
      resolve: async (_root, args, ctx) => {
        const { id } = args.input.id;
        await remove(ctx, { id, expectedVersion: args.input.expectedVersion });
        return toGlobalId(type.name, id);
      },
    }),
  );
}
