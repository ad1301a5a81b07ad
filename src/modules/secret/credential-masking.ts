/**
 * The stored previews of credential values (DESIGN "Secrets never leave"): computed at write
 * time, so reads never decrypt. Pure functions, no I/O.
 */
import { credentialValues } from './credential-checks.ts';
import type { AuthMethod, CredentialsInput } from './provider-catalogue.ts';

/** The fixed mask: all a value under MASK_MIN_LENGTH characters shows, and what stands for the hidden middle. */
const MASK = '••••';
/** Values shorter than this show nothing of themselves: a quarter of a short value is too good a hint. */
const MASK_MIN_LENGTH = 16;
/** At most this many leading and trailing characters, however long the value (`AKIA••••XYZ`). */
const MASK_MAX_HEAD = 4;
const MASK_MAX_TAIL = 3;

/**
 * The stored preview of a secret value (DESIGN "Secrets never leave"): under 16 characters the
 * fixed mask `••••` alone; otherwise at most a quarter of the characters in total, at most 4
 * leading and 3 trailing, around `••••` (16 → `ab••••yz`, 40 → `AKIA••••XYZ`). Counts code points,
 * so no surrogate pair is split.
 */
export function maskValue(value: string): string {
  const chars = Array.from(value);
  if (chars.length < MASK_MIN_LENGTH) return MASK;
  const budget = Math.floor(chars.length / 4);
  const head = Math.min(MASK_MAX_HEAD, Math.ceil(budget / 2));
  const tail = Math.min(MASK_MAX_TAIL, budget - head);
  return `${chars.slice(0, head).join('')}${MASK}${tail ? chars.slice(-tail).join('') : ''}`;
}

/** `credentialValues` with each value replaced by its mask: what is stored for reads. */
export function maskedCredentialFields(
  method: AuthMethod,
  input: CredentialsInput,
): { name: string; envVar: string; maskedValue: string }[] {
  return credentialValues(method, input).map(({ name, envVar, value }) => ({ name, envVar, maskedValue: maskValue(value) }));
}
