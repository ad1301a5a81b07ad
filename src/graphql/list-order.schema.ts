import { builder } from './builder.ts';
import type { ListOrder } from '../database/keyset.ts';

export const OrderFieldEnum = builder.enumType('OrderField', { values: ['NAME', 'CREATED_AT'] as const, description: 'NAME sorts case-insensitively.' });
export const OrderDirectionEnum = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });

/** `orderBy` of every list that can be sorted; a cursor is valid only with the order it came from. */
export const ListOrderInput = builder.inputRef<ListOrder>('ListOrder').implement({
  fields: (t) => ({
    field: t.field({ type: OrderFieldEnum, required: true }),
    direction: t.field({ type: OrderDirectionEnum, required: true, defaultValue: 'ASC' }),
  }),
});
