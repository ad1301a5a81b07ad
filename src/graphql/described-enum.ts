import { builder } from './builder.ts';

/**
 * An enum of `values`, in their order, each with its description: `descriptions` is keyed by the
 * values, so a value added to the list makes the compiler ask for its description.
 */
export function describedEnum<Value extends string>(
  name: string,
  description: string,
  values: readonly Value[],
  descriptions: Record<Value, string>,
) {
  return builder.enumType(name, {
    description,
    values: Object.fromEntries(values.map((value) => [value, { description: descriptions[value] }])) as Record<
      Value,
      { description: string }
    >,
  });
}
