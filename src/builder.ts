import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import ValidationPlugin from '@pothos/plugin-validation';
import { DateTimeResolver } from 'graphql-scalars';
import type { Context } from './context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { validationErrorFromIssues } from './validation.ts';

const capitalize = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** The one Pothos builder; modules add their types to it, `schema.ts` prints the result. */
export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: { DateTime: { Input: Date; Output: Date } };
}>({
  plugins: [RelayPlugin, ErrorsPlugin, ValidationPlugin, DataloaderPlugin, SimpleObjectsPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: { nullable: true },
    nodesQueryOptions: { nullable: { list: false, items: true } },
  },
  errors: {
    // Every mutation result is `<Name>Success | ValidationError | NotFoundError | ForbiddenError | ConflictError`.
    defaultTypes: [ValidationError, NotFoundError, ForbiddenError, ConflictError],
    // Input validation failures become ValidationError union members like any other rule.
    unsafelyHandleInputErrors: true,
    // `createTeam` → `CreateTeamResult = CreateTeamSuccess | ValidationError | …`
    defaultResultOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Success` },
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
  },
  validation: {
    validationError: (failure) => validationErrorFromIssues(failure.issues),
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({});
builder.mutationType({});
