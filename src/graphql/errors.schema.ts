import { builder } from './builder.ts';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldError } from '../errors.ts';

const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'An expected failure: `code` is stable and machine-readable, `message` is for people.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for people: it may change, never parse it.' }),
    code: t.exposeString('code', { description: 'Stable and machine-readable (`NAME_TAKEN`, `VERSION_MISMATCH`, …): switch on this.' }),
  }),
});

const FieldErrorRef = builder.objectRef<FieldError>('FieldError').implement({
  description: 'One problem with one input field.',
  fields: (t) => ({
    path: t.exposeStringList('path', {
      description: 'From the argument down, e.g. ["input", "credentials", "accessKey", "secretAccessKey"].',
    }),
    message: t.exposeString('message', { description: 'What is wrong with this field, for people.' }),
    code: t.exposeString('code', {
      description: 'Stable and machine-readable, e.g. INVALID_VALUE, INVALID_CHARACTERS, REQUIRED, TOO_LONG, or the error’s own code.',
    }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input breaks a rule; `fieldErrors` lists each bad field. Nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    fieldErrors: t.field({ type: [FieldErrorRef], description: 'One entry per bad input field.', resolve: (error) => error.fieldErrors }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'No such object, or it belongs to a team you are not in (the two are indistinguishable on purpose).',
  interfaces: [ErrorInterface],
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'Your role in the team, or your token’s scopes, do not allow this action.',
  interfaces: [ErrorInterface],
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The change conflicts with the current state (a stale `expectedVersion`, a taken name, the last owner).',
  interfaces: [ErrorInterface],
});
