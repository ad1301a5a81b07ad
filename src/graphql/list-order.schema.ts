import type { ArgBuilder, InputObjectRef } from '@pothos/core';
import { builder, type BuilderTypes } from './builder.ts';
import type { ListOrder } from '../database/keyset.ts';

export const OrderFieldEnum = builder.enumType('OrderField', {
  description: 'What a list sorts by; rows that tie are ordered by id.',
  values: { NAME: { description: 'The name, case-insensitively.' }, CREATED_AT: { description: 'When the object was created.' } } as const,
});
export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Which way a list sorts.',
  values: { ASC: { description: 'A to Z, oldest first.' }, DESC: { description: 'Z to A, newest first.' } } as const,
});

/** `orderBy` of every list that can be sorted; a cursor is valid only with the order it came from. */
export const ListOrderInput = builder.inputRef<ListOrder>('ListOrder').implement({
  description: 'How a list sorts. A cursor continues only the order it came from.',
  fields: (t) => ({
    field: t.field({ type: OrderFieldEnum, required: true, description: 'The sort key.' }),
    direction: t.field({ type: OrderDirectionEnum, required: true, defaultValue: 'ASC', description: 'Default ASC.' }),
  }),
});

/** `filter orderBy`: the arguments of a list that can be filtered and sorted (`t.arg` of its field). */
export function filteredListArgs<Filter>(
  arg: ArgBuilder<BuilderTypes>,
  filter: InputObjectRef<BuilderTypes, Filter>,
  filterDescription: string,
) {
  return {
    filter: arg({ type: filter, description: filterDescription }),
    orderBy: arg({ type: ListOrderInput, description: 'Default: NAME ASC.' }),
  };
}
