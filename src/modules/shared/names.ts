import { z } from 'zod';

/**
 * The name rule of every named thing (secrets, locations, vault connections, workspaces, teams,
 * API tokens): what a name may contain, and when two names are the same name.
 *
 * Refused (INVALID_CHARACTERS): control characters (Cc), format characters (Cf: zero-width
 * spaces and joiners, bidi overrides, BOM), line and paragraph separators, other default-ignorable
 * code points (soft hyphen, Hangul fillers, variation selectors), lone surrogates and unassigned
 * code points. They are invisible, or render as something else, so two names that look equal
 * would differ; and an unassigned code point could normalise differently once assigned.
 */
const FORBIDDEN_IN_NAMES = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Cs}\p{Cn}]/u;

const INVALID_NAME_CHARACTERS_MESSAGE =
  'Name must not contain control, invisible or unassigned characters (zero-width space, soft hyphen, bidi controls, …)';

function hasForbiddenNameCharacters(name: string): boolean {
  return !name.isWellFormed() || FORBIDDEN_IN_NAMES.test(name);
}

/**
 * The key two names are compared by for uniqueness (NAME_TAKEN) and lookups by name: Unicode
 * compatibility normalisation (NFKC: `ﬁle` is `file`, NFD `café` is NFC `café`, a no-break space
 * is a space) and full case folding (upper then lower case: `STRASSE`, `straße` and `Straße` are
 * one name), normalised again because case mapping can leave a non-normalised string. The name
 * itself is stored as given; only this key is compared. Stored in `name_key` columns.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/**
 * A name of 1–`max` characters under the rule above. Surrounding whitespace is refused, never
 * trimmed: a name is stored exactly as the client sent it, or not at all.
 */
export function nameSchema(max: number) {
  return z
    .string()
    .min(1, 'Name must not be empty')
    .max(max, `Name must be at most ${max} characters`)
    .refine((name) => name.trim() === name, 'Name must not start or end with whitespace')
    .refine((name) => !hasForbiddenNameCharacters(name), {
      message: INVALID_NAME_CHARACTERS_MESSAGE,
      params: { code: 'INVALID_CHARACTERS' },
    });
}
