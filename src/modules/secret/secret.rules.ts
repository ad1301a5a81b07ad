import { z } from 'zod';
import { nameSchema } from '../shared/names.ts';

/** Input rules of secrets that the GraphQL schema checks before the service runs (VALIDATION_FAILED). */
export const secretName = nameSchema(255);
export const serviceSlug = z.string().min(1, 'serviceSlug must not be empty').max(64, 'serviceSlug must be at most 64 characters');
/** A rotation policy's period in days: at least one day, at most ten years. */
export const rotationEveryDays = z
  .number()
  .int()
  .min(1, 'everyDays must be at least 1')
  .max(3650, 'everyDays must be at most 3650 (ten years)');
/** How long a deleted secret can be restored before the purge removes it (AWS Secrets Manager's bounds). */
export const recoveryWindowDays = z
  .number()
  .int()
  .min(7, 'recoveryWindowDays must be at least 7')
  .max(30, 'recoveryWindowDays must be at most 30');
/** The recovery window when `deleteSecret` names none. */
export const DEFAULT_RECOVERY_WINDOW_DAYS = 7;
