import { ConflictError, ErrorCode } from '../errors.ts';

/** Node's socket errors that mean the database server is unreachable or went away. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** What `pg` says when a connection dies, cannot be made in time, or is used after it died. */
const CONNECTION_ERROR_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Connection ended/i;

/**
 * Whether `error` means the database is unavailable (down, restarting, unreachable) rather than a
 * bug: SQLSTATE class 08 (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect
 * now), a refused or reset socket, or pg's own messages for a dead or timed-out connection.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || CONNECTION_ERROR_CODES.has(code))
  )
    return true;
  if (typeof message === 'string' && CONNECTION_ERROR_MESSAGE.test(message)) return true;
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}

/** Whether a query failed on a unique constraint (PostgreSQL and PGlite both report SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** Turns a unique-name violation into ConflictError NAME_TAKEN; rethrows anything else. */
export function rethrowNameTaken(error: unknown, what: string, name: string | undefined): never {
  if (isUniqueViolation(error)) throw new ConflictError(`A ${what} named "${name}" already exists in this team`, ErrorCode.NAME_TAKEN);
  throw error;
}
