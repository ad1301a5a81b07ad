import { z } from 'zod';

/** Input rules of secrets that the GraphQL schema checks before the service runs (rule 9). */
export const secretName = z
  .string()
  .min(1, 'Name must not be empty')
  .max(255, 'Name must be at most 255 characters')
  .refine((name) => name.trim() === name, 'Name must not start or end with whitespace');
