/**
 * The fields of a GraphQL input that a client may leave out or send as null, as Pothos types them
 * (`field?: T | null | undefined`): the filters and inputs that resolvers hand to services say
 * "optional" this one way.
 */
export type OptionalFields<Fields> = { [Key in keyof Fields]?: Fields[Key] | null | undefined };
