import type { Role } from '../../database.ts';

/** Highest first: a role can do everything the roles after it can. */
export const ROLES = ['OWNER', 'ADMIN', 'OPERATOR', 'VIEWER'] as const satisfies readonly Role[];

/**
 * Every action a service authorises, with the least role that may perform it.
 * The one table of who-may-do-what: services, schema and tests all read it.
 */
export const MINIMUM_ROLE = {
  'team:read': 'VIEWER',
  'team:update': 'ADMIN',
  'team:manage-members': 'OWNER',
  'audit:read': 'ADMIN',
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
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return rank(role) >= rank(minimum);
}

export function roleMayPerform(role: Role, action: Action): boolean {
  return roleAtLeast(role, MINIMUM_ROLE[action]);
}
