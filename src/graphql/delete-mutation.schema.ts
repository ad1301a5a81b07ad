import { builder } from './builder.ts';
import type { Context } from './context.ts';
import { fromGlobalId, toGlobalId } from './global-id.ts';
import { EXPECTED_VERSION_DESCRIPTION } from '../modules/shared/rules.ts';

/**
 * `delete<Type>(input: { id, expectedVersion }): Delete<Type>Result` whose success holds
 * `deleted<Type>Id`: the same shape for every versioned object.
 */
export function deleteMutationField(
  typename: string,
  description: string,
  remove: (ctx: Context, input: { id: string; expectedVersion?: number | null | undefined }) => Promise<void>,
): void {
  const input = builder.inputType(`Delete${typename}Input`, {
    description: `The ${typename} to delete.`,
    fields: (t) => ({ id: t.id({ required: true, description: `The ${typename}'s id.` }), expectedVersion: t.int({ description: EXPECTED_VERSION_DESCRIPTION }) }),
  });
  builder.mutationField(`delete${typename}`, (t) =>
    t.field({
      type: 'ID',
      description,
      errors: { dataField: { name: `deleted${typename}Id`, description: `The id of the ${typename} deleted.` } },
      args: { input: t.arg({ type: input, required: true, description: `The ${typename} to delete.` }) },
      resolve: async (_root, args, ctx) => {
        const id = fromGlobalId(String(args.input.id), typename);
        await remove(ctx, { id, expectedVersion: args.input.expectedVersion });
        return toGlobalId(typename, id);
      },
    }),
  );
}
