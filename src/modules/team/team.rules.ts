import { z } from 'zod';
import { ROLES } from '../auth/permissions.ts';

/** Input rules of the team domain: the GraphQL schema validates with them, and so does the CLI. */
export const teamName = z.string().trim().min(1, 'Name must not be empty').max(100, 'Name must be at most 100 characters');
export const teamSlug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, 'Slug must be 1–48 lowercase letters, digits and dashes, not starting or ending with a dash');
export const email = z.email('Must be an email address').max(254);
export const role = z.enum(ROLES);
export const tokenName = z.string().trim().min(1, 'Name must not be empty').max(100, 'Name must be at most 100 characters');

/** A URL-safe slug derived from a team name ("ACME Data" → "acme-data"). */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'team';
}
