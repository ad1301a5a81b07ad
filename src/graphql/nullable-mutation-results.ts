import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';

/**
 * Makes every root mutation field nullable. A mutation's result union is non-null by default
 * (`DefaultFieldNullability: false`), so an error in any nested field of its success payload
 * (a field the token's scopes refuse, a deadline) would propagate up to `data: null`: the client
 * would see a failure for a change that was made. Nullable, the success stays visible beside the
 * nested field's error.
 */
export class NullableMutationResultsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    if (fieldConfig.parentType !== 'Mutation' || fieldConfig.type.kind === 'List') return fieldConfig;
    return { ...fieldConfig, type: { ...fieldConfig.type, nullable: true } };
  }
}

SchemaBuilder.registerPlugin('nullableMutationResults', NullableMutationResultsPlugin);

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      nullableMutationResults: NullableMutationResultsPlugin<Types>;
    }
  }
}
