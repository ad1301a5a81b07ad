import { z } from 'zod';

/** Descriptions of every kind of object: optional, at most 2000 characters (rule 9). */
export const description = z.string().max(2000, 'Description must be at most 2000 characters');
