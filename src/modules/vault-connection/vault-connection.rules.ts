import { z } from 'zod';
import type { VaultType } from '../secret/field-mapping-references.ts';

const field = (label: string) =>
  z
    .string()
    .min(1, `${label} must not be empty`)
    .max(4096, `${label} must be at most 4096 characters`)
    .refine((v) => v.trim() === v, `${label} must not start or end with whitespace`);

/** What each vault type needs to be reached; one `@oneOf` member per type. */
export const vaultCredentialSchemas = {
  onePassword: z.object({ accessToken: field('accessToken') }),
  doppler: z.object({ accessToken: field('accessToken'), project: field('project'), config: field('config') }),
  infisical: z.object({
    clientId: field('clientId'),
    clientSecret: field('clientSecret'),
    projectId: field('projectId'),
    environment: field('environment'),
    secretPath: z
      .string()
      .regex(/^\/[^\s]*$/, 'secretPath must be an absolute path such as "/" or "/apps/api"')
      .max(1024)
      .nullish()
      .transform((path) => path ?? '/'),
  }),
};

export type VaultCredentialsInput = {
  [K in keyof typeof vaultCredentialSchemas]?: z.input<(typeof vaultCredentialSchemas)[K]> | null;
};

/** The `credentials` member that each vault type takes. */
export const VAULT_CREDENTIALS_MEMBER = {
  ONEPASSWORD: 'onePassword',
  DOPPLER: 'doppler',
  INFISICAL: 'infisical',
} as const satisfies Record<VaultType, keyof typeof vaultCredentialSchemas>;
