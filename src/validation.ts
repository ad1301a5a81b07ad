import type { StandardSchemaV1 } from '@pothos/plugin-validation';
import { ValidationError } from './errors.ts';

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
