import { z } from 'zod';
import { nameSchema } from '../shared/names.ts';
import { ROLES } from '../auth/permissions.ts';

/** Input rules of the team domain: the GraphQL schema validates with them, and so does the CLI. */
export const teamName = nameSchema(100);
export const teamSlug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/,
    'Slug must be 1–48 lowercase letters, digits and dashes, not starting or ending with a dash',
  );
export const email = z.email('Must be an email address').max(254);
export const role = z.enum(ROLES);
export const tokenName = nameSchema(100);

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
