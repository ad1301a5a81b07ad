import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { StandardSchemaV1 } from '@pothos/plugin-validation';
import { GraphQLError } from 'graphql';
import { ValidationError, type FieldError } from './errors.ts';

/** Turns standard-schema (zod) issues into one ValidationError with a fieldError per issue. */
export function validationErrorFromIssues(issues: readonly StandardSchemaV1.Issue[]): ValidationError {
  const fieldErrors = issues.map((issue) => ({
    path: (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)),
    message: issue.message,
    code: 'INVALID_VALUE',
  }));
  const first = fieldErrors[0];
  const summary = first ? `${first.path.join('.') || 'input'}: ${first.message}` : 'Invalid input';
  return new ValidationError(fieldErrors.length > 1 ? `${summary} (and ${fieldErrors.length - 1} more)` : summary, { fieldErrors });
}

/** The paths (from the argument down, list indexes as strings) of every string holding a NUL character. */
export function pathsOfNulCharacters(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => pathsOfNulCharacters(item, [...path, String(index)]));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([key, item]) => pathsOfNulCharacters(item, [...path, key]));
  }
  return [];
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and no name, key, value or id of ours has a use
 * for it: this plugin refuses a NUL character anywhere in a field's arguments, before the
 * resolver runs, instead of letting it reach SQL as an unexpected error. A field with an error
 * union (every mutation) answers with its ValidationError member (the errors plugin handles
 * argument errors); any other field with a top-level BAD_USER_INPUT error.
 */
export class NulCharactersPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    if (Object.keys(fieldConfig.args).length === 0) return fieldConfig;
    const hasErrorUnion = (fieldConfig.pothosOptions as { errors?: unknown }).errors !== undefined;
    const refuseNulCharacters = (args: Record<string, unknown>) => {
      const fieldErrors: FieldError[] = pathsOfNulCharacters(args).map((path) => ({ path, message: `${path.join('.')} must not contain NUL (U+0000) characters`, code: 'INVALID_CHARACTERS' }));
      if (fieldErrors.length === 0) return args;
      const summary = fieldErrors.length > 1 ? `${fieldErrors[0]!.message} (and ${fieldErrors.length - 1} more)` : fieldErrors[0]!.message;
      if (!hasErrorUnion) throw new GraphQLError(summary, { extensions: { code: 'BAD_USER_INPUT' } });
      throw new ValidationError(summary, { fieldErrors });
    };
    return { ...fieldConfig, argMappers: [...fieldConfig.argMappers, refuseNulCharacters] };
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
