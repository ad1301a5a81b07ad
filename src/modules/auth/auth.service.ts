import { LRUCache } from 'lru-cache';
import type { Context, Viewer } from '../../graphql/context.ts';
import { viewerRole } from '../../graphql/context.ts';
import type { Db } from '../../database/database.ts';
import type { Role } from '../team/team.tables.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.ts';
import { parsePageArgs, toConnection, type PageArgs } from '../../graphql/pagination.ts';
import { recordAuditEvent, recordDenial } from '../audit/audit.service.ts';
import * as authRepository from './auth.repository.ts';
import type { ApiTokenRow, UserRow } from './auth.repository.ts';
import { roleMayPerform, scopesAllow, type Action, type TokenScope } from './permissions.ts';
import { generateToken, parseToken, tokenSecretMatches } from './token.ts';
import { loadMapped } from '../shared/load-mapped.ts';

export interface User {
  id: string;
  email: string;
  name: string | null;
}

export interface ApiToken {
  id: string;
  name: string;
  scopes: string[] | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const toUser = (row: UserRow): User => ({ id: row.id, email: row.email, name: row.name });

const toApiToken = (row: ApiTokenRow): ApiToken => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
});

type LiveToken = NonNullable<Awaited<ReturnType<typeof authRepository.findActiveTokenByLookupId>>>;

/** How long a looked-up token is trusted without asking the database again. */
export const TOKEN_CACHE_TTL_MS = 2_000;

/**
 * Live tokens by lookup id, so that most requests authenticate without a statement. Safe because
 * the presented secret is still compared (in constant time) on every request, expiry is checked
 * on every use, a token revoked through this process is forgotten at once, and one revoked
 * elsewhere (another instance, SQL) stops working within the TTL. Only live tokens are kept: a
 * new token works at once, and guessing cannot fill the cache.
 */
const liveTokens = new LRUCache<string, LiveToken>({ max: 10_000, ttl: TOKEN_CACHE_TTL_MS });

/**
 * Resolves an `Authorization` header to the token's user, or null for anything that is not
 * a live token (missing, malformed, unknown, revoked, expired, wrong secret).
 */
export async function authenticate(db: Db, authorization: string | null): Promise<Viewer | null> {
  const match = /^Bearer (\S+)$/i.exec(authorization?.trim() ?? '');
  const parsed = match ? parseToken(match[1]!) : null;
  if (!parsed) return null;
  let row = liveTokens.get(parsed.lookupId);
  if (!row) {
    row = await authRepository.findActiveTokenByLookupId(db, parsed.lookupId);
    if (row) liveTokens.set(parsed.lookupId, row);
  }
  if (!row || (row.expires_at && row.expires_at.getTime() <= Date.now()) || !tokenSecretMatches(parsed.secret, row.secret_hash))
    return null;
  return { userId: row.user_id, tokenId: row.id, scopes: row.scopes };
}

/**
 * Checks that the viewer may perform `action` in the team and returns their role.
 * Not a member: NotFoundError, so that other teams' ids look exactly like unknown ids.
 */
export async function authorize(ctx: Context, teamId: string, action: Action): Promise<Role> {
  const role = await viewerRole(ctx, teamId);
  if (!role) throw new NotFoundError('Team not found');
  if (!roleMayPerform(role, action)) {
    await recordDenial(ctx, teamId, action);
    throw new ForbiddenError(`Your role (${role}) does not allow ${action}`);
  }
  if (!scopesAllow(ctx.viewer.scopes, action)) {
    await recordDenial(ctx, teamId, action);
    throw new ForbiddenError(`This token's scopes (${ctx.viewer.scopes?.join(', ')}) do not allow ${action}`);
  }
  return role;
}

/** Issues a token for a user outside any request (operator CLI, first start). */
export async function issueToken(db: Db, userId: string, name: string): Promise<{ token: string; apiToken: ApiToken }> {
  const fresh = generateToken();
  const row = await authRepository.insertApiToken(db, { user_id: userId, lookup_id: fresh.lookupId, secret_hash: fresh.secretHash, name });
  return { token: fresh.token, apiToken: toApiToken(row) };
}

/** Finds or creates the user with this email. */
export async function ensureUser(db: Db, email: string): Promise<User> {
  return toUser(await authRepository.findOrCreateUser(db, email));
}

export interface CreateApiTokenInput {
  name: string;
  expiresAt?: Date | null | undefined;
  /** Omitted: an unscoped token (the user's role alone limits it). */
  scopes?: readonly TokenScope[] | null | undefined;
}

/**
 * Account-level actions (new teams, new tokens) need an unscoped token: a scoped one must not
 * mint itself a wider token.
 */
export function requireUnscopedToken(ctx: Context, what: string): void {
  if (ctx.viewer.scopes !== null) throw new ForbiddenError(`A scoped token cannot ${what}: use an unscoped token`);
}

/** A new personal token of the viewer; the plaintext is in this answer only. */
export async function createApiToken(ctx: Context, input: CreateApiTokenInput): Promise<{ token: string; apiToken: ApiToken }> {
  requireUnscopedToken(ctx, 'create tokens');
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw ValidationError.forField(['input', 'expiresAt'], 'expiresAt must be in the future', 'EXPIRY_IN_PAST');
  }
  // An empty list would read as "unscoped" to a careless reader and as "nothing" to the checks: refuse the ambiguity.
  if (input.scopes && input.scopes.length === 0) {
    throw ValidationError.forField(
      ['input', 'scopes'],
      'scopes must name at least one scope; omit it for an unscoped token',
      'SCOPES_EMPTY',
    );
  }
  return ctx.db.transaction().execute(async (trx) => {
    const fresh = generateToken();
    const row = await authRepository.insertApiToken(trx, {
      user_id: ctx.viewer.userId,
      lookup_id: fresh.lookupId,
      secret_hash: fresh.secretHash,
      name: input.name,
      expires_at: input.expiresAt ?? null,
      scopes: input.scopes ? [...new Set(input.scopes)] : null,
    });
    await recordAuditEvent(trx, ctx, {
      teamId: null,
      action: 'api_token.created',
      targetType: 'ApiToken',
      targetId: row.id,
      changedFields: ['name', 'expiresAt', 'scopes'],
    });
    return { token: fresh.token, apiToken: toApiToken(row) };
  });
}

/**
 * Revokes one of the viewer's tokens; the next request with it fails. Any token may revoke
 * itself; only an unscoped one revokes others, so that a narrow token (a CI job's) cannot lock
 * its user out by revoking their unscoped tokens.
 */
export async function revokeApiToken(ctx: Context, tokenId: string): Promise<ApiToken> {
  if (tokenId !== ctx.viewer.tokenId) requireUnscopedToken(ctx, 'revoke other tokens');
  const row = await ctx.db.transaction().execute(async (trx) => {
    const revoked = await authRepository.revokeApiToken(trx, ctx.viewer.userId, tokenId);
    if (!revoked) throw new NotFoundError('No live token of yours has this id');
    await recordAuditEvent(trx, ctx, {
      teamId: null,
      action: 'api_token.revoked',
      targetType: 'ApiToken',
      targetId: revoked.id,
      changedFields: ['revokedAt'],
    });
    return revoked;
  });
  // After the commit: a request between the two could otherwise cache the token as live again.
  liveTokens.delete(row.lookup_id);
  return toApiToken(row);
}

export async function listViewerApiTokens(ctx: Context, args: PageArgs) {
  const page = parsePageArgs(args, 'timestamp');
  const rows = await authRepository.listApiTokensOfUser(ctx.db, ctx.viewer.userId, page);
  return toConnection(rows, page, (row) => [row.created_at.toISOString(), row.id], toApiToken);
}

/** One of the viewer's own tokens; null for anyone else's (whatever the viewer's role) and for unknown ids. */
export async function loadApiToken(ctx: Context, id: string): Promise<ApiToken | null> {
  return loadMapped(ctx.loaders.apiToken, id, toApiToken);
}

export async function loadUser(ctx: Context, userId: string): Promise<User | null> {
  return loadMapped(ctx.loaders.user, userId, toUser);
}
