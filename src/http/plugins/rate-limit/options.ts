import type { OperationTypeNode } from 'graphql';
import type { Redis } from 'ioredis';
import type { Context } from '../../../graphql/context.ts';
import type { ClientAddressOf } from '../../client-address.ts';
import type { Logger } from '../../logger.ts';
import type { GlobalRef, RootField } from '../root-fields.ts';

/** Operations allowed per window; 0 means no limit. */
export interface RateLimitBudget {
  /** Queries (and anything that is not a mutation). */
  queries?: number;
  mutations?: number;
}

export interface RateLimitOptions {
  /**
   * Where the counters live: `'memory'` (this process only) or an ioredis client, so that every
   * instance of the server shares them (see `createRateLimitRedis`).
   * @default 'memory'
   */
  store?: 'memory' | Redis;
  /** Length of the fixed window, in whole seconds. @default 60 */
  windowSeconds?: number;
  /** Per API token. @default { queries: 300, mutations: 60 } */
  perToken?: RateLimitBudget;
  /** All the tokens of one user together (minting tokens does not multiply the budget). @default twice `perToken` */
  perUser?: RateLimitBudget;
  /** Each team an operation targets, all its members together. @default { queries: 3000, mutations: 600 } */
  perTeam?: RateLimitBudget;
  /** Requests that fail authentication (401), per client IP; past it, every request from that IP is refused for the rest of the window. @default 30 */
  unauthenticatedPerIp?: number;
  /** Prefix of every counter's key (tests use a unique one per run). @default 'cloakroom:rate-limit' */
  keyPrefix?: string;
  /** The ids of the viewer's teams, for `perTeam`; without it there are no team limits. */
  teamsOf?: (context: Context) => Promise<readonly string[]>;
  /**
   * The team of an object named by a global id in an operation's arguments (a secret, a
   * location…), if the viewer can see it; `Team` ids are matched against `teamsOf` directly.
   * Without it only `Team` ids pick team counters. `field` is the root field whose arguments name
   * it, so that the lookup can be the read that field makes anyway.
   */
  teamOfObject?: (context: Context, ref: GlobalRef, operation: OperationTypeNode, field: RootField) => Promise<string | null>;
  /**
   * How long a user's teams (from `teamsOf`) are reused. They only decide which named teams are
   * the viewer's, so a just-joined team is charged a moment late at worst.
   * @default 5000 ms
   */
  teamsCacheMs?: number;
  /** Where store failures are reported (they never fail a request). */
  logger?: Logger;
  /** The client's address, for `unauthenticatedPerIp`. @default the socket's (`clientAddressResolver([])`) */
  clientAddressOf?: ClientAddressOf;
  /**
   * Whether the request carries a valid token, asked only of a request that failed before its
   * context was built (a syntax or validation error): without a valid token it spends from its
   * address's unauthenticated budget like a 401. Without it, only 401s are counted.
   */
  isAuthenticated?: (request: Request) => Promise<boolean>;
}

export const RATE_LIMIT_DEFAULTS = {
  windowSeconds: 60,
  perToken: { queries: 300, mutations: 60 },
  perTeam: { queries: 3000, mutations: 600 },
  unauthenticatedPerIp: 30,
  keyPrefix: 'cloakroom:rate-limit',
} as const;
