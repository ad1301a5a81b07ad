import SchemaBuilder, {
  BasePlugin,
  createInputValueMapper,
  mapInputFields,
  type InputTypeFieldsMapping,
  type PothosOutputFieldConfig,
  type SchemaTypes,
} from '@pothos/core';
import { NotFoundError } from '../errors.ts';
import { decodeNodeId, isUuid } from './global-id.ts';

/**
 * `t.arg.globalID({ for })` and `t.input.globalID({ for })` decode a client's ids once, in the
 * schema layer, so resolvers and services see row ids. Pothos itself answers an id of another
 * type with "ID: <the id> is not of type: …": an untyped error that quotes whatever the client
 * sent (a pasted credential too). This plugin checks each such id before Pothos decodes it and
 * answers anything that is not an id of an expected type with the first type's NotFoundError
 * ("No Secret with this id"), without the id: what an id that names nothing answers, as a
 * mutation's union member (the errors plugin handles argument errors).
 */
export class GlobalIdArgsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  private readonly mappingCache = new Map<string, InputTypeFieldsMapping<Types, string[]>>();

  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    const mappings = mapInputFields(
      fieldConfig.args,
      this.buildCache,
      (input) => (input.extensions?.relayGlobalIDFor as { typename: string }[] | null | undefined)?.map(({ typename }) => typename) ?? null,
      this.mappingCache,
    );
    if (!mappings) return fieldConfig;
    const check = createInputValueMapper(mappings, (globalId, mapping) => {
      const expected = mapping.value ?? [];
      const { typename, id } = decodeNodeId(String(globalId));
      if (!expected.includes(typename) || !isUuid(id)) throw new NotFoundError(`No ${expected[0]} with this id`);
      return globalId;
    });
    // Appended before the relay plugin's decoder (plugins add theirs last to first), so it runs first.
    return { ...fieldConfig, argMappers: [...fieldConfig.argMappers, (args) => check(args)] };
  }
}

SchemaBuilder.registerPlugin('globalIdArgs', GlobalIdArgsPlugin);

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      globalIdArgs: GlobalIdArgsPlugin<Types>;
    }
  }
}
