import { builder } from './builder.ts';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldError } from '../errors.ts';

const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'An expected failure: `code` is stable and machine-readable, `message` is for people.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

const FieldErrorRef = builder.objectRef<FieldError>('FieldError').implement({
  description: 'One problem with one input field.',
  fields: (t) => ({
    path: t.exposeStringList('path', { description: 'From the argument down, e.g. ["input", "credentials", "accessKey", "secretAccessKey"].' }),
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input breaks a rule; `fieldErrors` lists each bad field. Nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ fieldErrors: t.field({ type: [FieldErrorRef], resolve: (error) => error.fieldErrors }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'No such object, or it belongs to a team you are not in (the two are indistinguishable on purpose).',
  interfaces: [ErrorInterface],
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'Your role in the team does not allow this action.',
  interfaces: [ErrorInterface],
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The change conflicts with the current state (a stale `expectedVersion`, a taken name, the last owner).',
  interfaces: [ErrorInterface],
});
