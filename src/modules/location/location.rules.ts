import { z } from 'zod';
import { SECRET_TYPES } from '../secret/provider-catalogue.ts';

/** Every secret type but ENV is a kind of storage a location can point at (LOCATION_TYPE_MISMATCH). */
export const LOCATION_TYPES = SECRET_TYPES.filter((type): type is Exclude<typeof type, 'ENV'> => type !== 'ENV');
export type LocationType = (typeof LOCATION_TYPES)[number];

export const bucketName = z.string().min(1, 'bucketName must not be empty').max(255, 'bucketName must be at most 255 characters');
export const region = z.string().min(1, 'region must not be empty').max(64, 'region must be at most 64 characters');
export const endpointUrl = z
  .string()
  .max(2048, 'endpointUrl must be at most 2048 characters')
  .refine((value) => URL.canParse(value) && new URL(value).protocol === 'https:', 'endpointUrl must be an https:// URL');
