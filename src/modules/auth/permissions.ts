import type { Role } from '../team/team.tables.ts';

/** Highest first: a role can do everything the roles after it can. */
export const ROLES = ['OWNER', 'ADMIN', 'OPERATOR', 'VIEWER'] as const satisfies readonly Role[];

/**
 * Every action a service authorises, with the least role that may perform it: the one table of
 * which role may do what (DESIGN §4 Roles), read by `authorize()` in auth.service.ts.
 * SCOPE_FOR_ACTION below says which token scope each action needs on top.
 */
const MINIMUM_ROLE = {
  'team:read': 'VIEWER',
  'team:update': 'ADMIN',
  'team:manage-members': 'OWNER',
  'audit:read': 'ADMIN',
  /** Follow the team's event stream (what each event may show is decided per event: events.service.ts `mayReceive`). */
  'event:read': 'VIEWER',
  /** Webhooks send the team's events to a URL: their management is the team's administration. */
  'webhook:read': 'ADMIN',
  'webhook:write': 'ADMIN',
  'secret:read': 'VIEWER',
  'secret:write': 'ADMIN',
  /** Create and edit one's own PRIVATE ENV secrets. */
  'secret:write-own-private': 'OPERATOR',
  'location:read': 'VIEWER',
  'location:write': 'ADMIN',
  'vault:read': 'VIEWER',
  'vault:write': 'ADMIN',
  'workspace:read': 'VIEWER',
  'workspace:write': 'ADMIN',
} as const satisfies Record<string, Role>;

export type Action = keyof typeof MINIMUM_ROLE;

function rank(role: Role): number {
  return ROLES.length - ROLES.indexOf(role);
}

/** Whether `role` is at least `minimum` in OWNER > ADMIN > OPERATOR > VIEWER. */
function roleAtLeast(role: Role, minimum: Role): boolean {
  return rank(role) >= rank(minimum);
}

export function roleMayPerform(role: Role, action: Action): boolean {
  return roleAtLeast(role, MINIMUM_ROLE[action]);
}

/** What a scoped token may be limited to; an unscoped token is limited by its user's role only. */
export const TOKEN_SCOPES = ['secrets:read', 'secrets:write', 'locations:read', 'locations:write', 'team:admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** The scope each action needs from a scoped token; null: any token may (reading the team itself). */
const SCOPE_FOR_ACTION: Record<Action, TokenScope | null> = {
  'team:read': null,
  'team:update': 'team:admin',
  'team:manage-members': 'team:admin',
  'audit:read': 'team:admin',
  'event:read': null,
  'webhook:read': 'team:admin',
  'webhook:write': 'team:admin',
  'secret:read': 'secrets:read',
  'secret:write': 'secrets:write',
  'secret:write-own-private': 'secrets:write',
  'location:read': 'locations:read',
  'location:write': 'locations:write',
  'vault:read': 'secrets:read',
  'vault:write': 'secrets:write',
  'workspace:read': null,
  'workspace:write': 'team:admin',
};

/** Whether a token with `scopes` (null: unscoped) may perform `action`; a write scope includes its read. */
export function scopesAllow(scopes: readonly string[] | null, action: Action): boolean {
  const needed = SCOPE_FOR_ACTION[action];
  if (scopes === null || needed === null || scopes.includes(needed)) return true;
  return needed.endsWith(':read') && scopes.includes(needed.replace(/:read$/, ':write'));
}

/**
 * The action that reading an object of each type needs, so the scope a token needs to see one.
 * Enforced where objects are loaded, not per field: the loaders in context.ts answer null (or an
 * empty list) for a type the token's scopes do not cover, and the team's lists call authorize()
 * with the same action. Team, Membership, User and Workspace are the team itself: any token of a
 * member reads them (scopes narrow what is in the team, not the team).
 */
export const READ_ACTION = {
  Team: 'team:read',
  Membership: 'team:read',
  User: 'team:read',
  Workspace: 'workspace:read',
  Secret: 'secret:read',
  SecretVersion: 'secret:read',
  VaultConnection: 'vault:read',
  Location: 'location:read',
  AuditEvent: 'audit:read',
  Webhook: 'webhook:read',
} as const satisfies Record<string, Action>;

/** Whether a token with `scopes` (null: unscoped) may see objects of `type` at all. */
export function scopesAllowReading(scopes: readonly string[] | null, type: keyof typeof READ_ACTION): boolean {
  return scopesAllow(scopes, READ_ACTION[type]);
}
