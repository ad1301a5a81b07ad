import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `crm_<16 hex lookup id>_<43 base64url chars of secret>`; the lookup id finds the row, the secret proves possession. */
const TOKEN_PATTERN = /^crm_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedToken {
  lookupId: string;
  secret: string;
}

export interface NewToken extends ParsedToken {
  /** The full token, shown to its owner once and never stored. */
  token: string;
  secretHash: Buffer;
}

function hashTokenSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** A fresh random token: 64 bits of lookup id and 256 bits of secret. */
export function generateToken(): NewToken {
  const lookupId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { lookupId, secret, token: `crm_${lookupId}_${secret}`, secretHash: hashTokenSecret(secret) };
}

/** Splits a presented token into its parts; null when it does not have the token's shape. */
export function parseToken(token: string): ParsedToken | null {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { lookupId: match[1]!, secret: match[2]! } : null;
}

/** Compares a presented secret with the stored hash in constant time. */
export function tokenSecretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashTokenSecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}
