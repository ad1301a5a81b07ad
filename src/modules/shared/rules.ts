import { z } from 'zod';
import { nameSchema } from './names.ts';

/** Descriptions of every kind of object: optional, at most 2000 characters (VALIDATION_FAILED). */
export const description = z.string().max(2000, 'Description must be at most 2000 characters');

/** Client-chosen key that makes a create safe to retry (`idempotencyKey` on every create input). */
export const idempotencyKey = z
  .string()
  .min(1, 'idempotencyKey must not be empty')
  .max(255, 'idempotencyKey must be at most 255 characters');
export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Retrying with the same key and input within 24 hours returns the first result without a second write; the same key with another input is ConflictError IDEMPOTENCY_KEY_REUSED.';
export const EXPECTED_VERSION_DESCRIPTION =
  'Compare-and-set: fail with ConflictError VERSION_MISMATCH unless the object is at this `version`. Omitted: concurrent changes apply one after the other.';
/** The name rule of locations, vault connections and workspaces (names.ts, the `*_team_name_key` indexes). */
export const teamUniqueName = nameSchema(255);
/** `teamUniqueName` as clients read it. */
export const TEAM_UNIQUE_NAME_DESCRIPTION =
  '1–255 characters, no control or invisible characters; unique in the team, compared after Unicode NFKC normalisation and case folding (NAME_TAKEN).';
export const DESCRIPTION_DESCRIPTION = 'Free text, at most 2000 characters.';
