import { z } from 'zod';

/** Input rules of secrets that the GraphQL schema checks before the service runs (rule 9). */
export const secretName = z
  .string()
  .min(1, 'Name must not be empty')
  .max(255, 'Name must be at most 255 characters')
  .refine((name) => name.trim() === name, 'Name must not start or end with whitespace');
export const serviceSlug = z.string().min(1, 'serviceSlug must not be empty').max(64, 'serviceSlug must be at most 64 characters');
