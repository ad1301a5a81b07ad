import { z } from 'zod';
import { nameSchema } from '../shared/names.ts';

/** Input rules of secrets that the GraphQL schema checks before the service runs (VALIDATION_FAILED). */
export const secretName = nameSchema(255);
export const serviceSlug = z.string().min(1, 'serviceSlug must not be empty').max(64, 'serviceSlug must be at most 64 characters');
