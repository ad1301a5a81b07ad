/**
 * The stored previews of credential values (DESIGN "Secrets never leave"): computed at write
 * time, so reads never decrypt. Pure functions, no I/O.
 */
import { credentialValues } from './credential-checks.ts';
import type { AuthMethod, CredentialsInput } from './provider-catalogue.ts';

const MASK = '••••';

/**
 * The stored preview of a secret value (DESIGN "Secrets never leave"): shorter than 12
 * characters → `••••`; otherwise the first 4 and last 3 characters around `••••`
 * (`AKIA••••PLE`). Counts code points, so no surrogate pair is split.
 */
export function maskValue(value: string): string {
  const chars = Array.from(value);
  if (chars.length < 12) return MASK;
  return `${chars.slice(0, 4).join('')}${MASK}${chars.slice(-3).join('')}`;
}

/** `credentialValues` with each value replaced by its mask: what is stored for reads. */
export function maskedCredentialFields(method: AuthMethod, input: CredentialsInput): { name: string; envVar: string; maskedValue: string }[] {
  return credentialValues(method, input).map(({ name, envVar, value }) => ({ name, envVar, maskedValue: maskValue(value) }));
}
