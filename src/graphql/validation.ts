import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { StandardSchemaV1 } from '@pothos/plugin-validation';
import { GraphQLError } from 'graphql';
import { ValidationError, type FieldError } from '../errors.ts';

/** Turns standard-schema (zod) issues into one ValidationError with a fieldError per issue. */
export function validationErrorFromIssues(issues: readonly StandardSchemaV1.Issue[]): ValidationError {
  const fieldErrors = issues.map((issue) => ({
    path: (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)),
    message: issue.message,
    // A rule may name its own code (zod's refine params, as the name rule's INVALID_CHARACTERS does).
    code: (issue as { params?: { code?: unknown } }).params?.code === 'INVALID_CHARACTERS' ? 'INVALID_CHARACTERS' : 'INVALID_VALUE',
  }));
  const first = fieldErrors[0];
  const summary = first ? `${first.path.join('.') || 'input'}: ${first.message}` : 'Invalid input';
  return new ValidationError(fieldErrors.length > 1 ? `${summary} (and ${fieldErrors.length - 1} more)` : summary, { fieldErrors });
}

/** What a string argument must not hold, and the message that says so (never quoting the value). */
const FORBIDDEN_CHARACTERS: readonly { test: (value: string) => boolean; problem: string }[] = [
  { test: (value) => value.includes('\u0000'), problem: 'must not contain NUL (U+0000) characters' },
  // Half of a surrogate pair is no character: UTF-8 (the database, the envelope, a child's
  // environment) would silently turn it into U+FFFD, so two different names or values collide.
  { test: (value) => !value.isWellFormed(), problem: 'must not contain lone UTF-16 surrogates (half of a character)' },
];

/** The paths (from the argument down, list indexes as strings) of every string holding a forbidden character, with the problem. */
export function pathsOfForbiddenCharacters(value: unknown, path: string[] = []): { path: string[]; problem: string }[] {
  if (typeof value === 'string') {
    const forbidden = FORBIDDEN_CHARACTERS.find(({ test }) => test(value));
    return forbidden ? [{ path, problem: forbidden.problem }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => pathsOfForbiddenCharacters(item, [...path, String(index)]));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([key, item]) => pathsOfForbiddenCharacters(item, [...path, key]));
  }
  return [];
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and no name, key, value or id of ours has a use
 * for it; a lone surrogate would be altered on its way to storage or to a child process. This
 * plugin refuses both anywhere in a field's arguments (code INVALID_CHARACTERS), before the
 * resolver runs, instead of letting them reach SQL or the envelope. A field with an error union
 * (every mutation) answers with its ValidationError member (the errors plugin handles argument
 * errors); any other field with a top-level BAD_USER_INPUT error.
 */
export class NulCharactersPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    if (Object.keys(fieldConfig.args).length === 0) return fieldConfig;
    const hasErrorUnion = (fieldConfig.pothosOptions as { errors?: unknown }).errors !== undefined;
    const refuseForbiddenCharacters = (args: Record<string, unknown>) => {
      const fieldErrors: FieldError[] = pathsOfForbiddenCharacters(args).map(({ path, problem }) => ({
        path,
        message: `${path.join('.')} ${problem}`,
        code: 'INVALID_CHARACTERS',
      }));
      if (fieldErrors.length === 0) return args;
      const summary = fieldErrors.length > 1 ? `${fieldErrors[0]!.message} (and ${fieldErrors.length - 1} more)` : fieldErrors[0]!.message;
      if (!hasErrorUnion) throw new GraphQLError(summary, { extensions: { code: 'BAD_USER_INPUT' } });
      throw new ValidationError(summary, { fieldErrors });
    };
    return { ...fieldConfig, argMappers: [...fieldConfig.argMappers, refuseForbiddenCharacters] };
  }
}

SchemaBuilder.registerPlugin('nulCharacters', NulCharactersPlugin);

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      nulCharacters: NulCharactersPlugin<Types>;
    }
  }
}
