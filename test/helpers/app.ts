import { randomBytes, randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, OperationTypeNode, print, type ExecutionResult } from 'graphql';
import type { Kysely } from 'kysely';
import { createApp, type App, type AppOptions } from '../../src/http/app.ts';
import type { Database } from '../../src/database/database.ts';
import type { Role } from '../../src/modules/team/team.tables.ts';
import { toGlobalId } from '../../src/graphql/global-id.ts';
import { createLogger } from '../../src/http/logger.ts';
import type { RateLimitOptions } from '../../src/http/plugins/rate-limit/options.ts';
import { createKeyring, type MasterKeyring } from '../../src/modules/crypto/envelope.ts';
import { bootstrapTeam, issueMemberToken } from '../../src/modules/team/team.service.ts';
import { openTestDatabase } from './database.ts';
import { createRecorder } from './harness-checks.ts';

export interface TestApp {
  app: App;
  db: Kysely<Database>;
  keyring: MasterKeyring;
  /** Every log line the app wrote, as JSON text. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Rate limits of test apps unless a test asks for others: on (every response carries the headers),
 * but high enough for suites that send hundreds of requests through one token in a minute.
 */
export const GENEROUS_RATE_LIMIT: RateLimitOptions = {
  perToken: { queries: 100_000, mutations: 100_000 },
  perTeam: { queries: 100_000, mutations: 100_000 },
  unauthenticatedPerIp: 100_000,
};

/** The application options a test may set; the rest are the test harness's. */
export type TestAppOptions = Pick<
  AppOptions,
  | 'corsOrigins'
  | 'production'
  | 'rateLimit'
  | 'persistedOperations'
  | 'requestTimeoutMs'
  | 'maxResponseBytes'
  | 'compileQueries'
  | 'metrics'
  | 'outbound'
  | 'sseHeartbeatMs'
>;

/** The real application on a real database, called through `yoga.fetch` (the full HTTP pipeline, no socket). */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await openTestDatabase();
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const keyring = createKeyring(randomBytes(32));
  const yoga = createApp({ db, keyring, logger, rateLimit: GENEROUS_RATE_LIMIT, ...options });
  // Every response to `app.fetch` goes through the recorder; at close, the harness checks the
  // audit trail and sweeps for leaks. (Yoga's instance is a proxy: its `fetch` cannot be reassigned.)
  const recorder = createRecorder(yoga.fetch as unknown as typeof fetch);
  const app = new Proxy(yoga, { get: (target, property) => (property === 'fetch' ? recorder.fetch : Reflect.get(target, property)) });
  return {
    app,
    db,
    keyring,
    logs,
    close: async () => {
      try {
        await recorder.check(db, logs);
      } finally {
        await db.destroy();
      }
    },
  };
}

export interface GraphQLResponse<T> {
  status: number;
  headers: Headers;
  body: ExecutionResult<T>;
}

/** Sends a typed operation over HTTP POST, as a client would. */
export async function execute<TResult, TVariables>(
  app: App,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token?: string,
): Promise<GraphQLResponse<TResult>> {
  const response = await app.fetch('http://cloakroom.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ExecutionResult<TResult> };
}

/**
 * `data` with its mutation results non-null. Root mutation fields are nullable (a nested error
 * must not hide a change that was made, src/graphql/nullable-mutation-results.ts), but one is null only
 * beside an error, and `executeOk` has none. A mutation result is a union with a `…Success` member.
 */
export type OkData<TResult> = {
  [K in keyof TResult]: [Extract<NonNullable<TResult[K]>, { __typename: `${string}Success` }>] extends [never]
    ? TResult[K]
    : NonNullable<TResult[K]>;
};

/** `execute` that fails the test on any top-level error (or a null mutation result) and returns `data`. */
export async function executeOk<TResult, TVariables>(
  app: App,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token: string,
): Promise<OkData<TResult>> {
  const { body } = await execute(app, document, variables, token);
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  const isMutation = document.definitions.some(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.MUTATION,
  );
  if (isMutation && Object.values(body.data).some((result) => result === null))
    throw new Error(`A null mutation result without an error: ${JSON.stringify(body.data)}`);
  return body.data as OkData<TResult>;
}

export interface TestTeam {
  teamId: string;
  ownerId: string;
  ownerToken: string;
  ownerEmail: string;
}

/** A fresh team with an OWNER and their token, made the way `cli bootstrap` makes one. */
export async function createTeamWithOwner(db: Kysely<Database>, name = `Team ${randomUUID().slice(0, 8)}`): Promise<TestTeam> {
  const ownerEmail = `owner-${randomUUID()}@example.test`;
  const { team, user, token } = await bootstrapTeam(db, { teamName: name, email: ownerEmail });
  return { teamId: toGlobalId('Team', team.id), ownerId: toGlobalId('User', user.id), ownerToken: token, ownerEmail };
}

/** Another user in `team` with `role`, and their token (as `cli token` makes one). */
export async function addMember(
  db: Kysely<Database>,
  team: TestTeam,
  role: Role,
): Promise<{ userId: string; token: string; email: string }> {
  const email = `${role.toLowerCase()}-${randomUUID()}@example.test`;
  const { decodeGlobalID } = await import('@pothos/plugin-relay');
  const { user, token } = await issueMemberToken(db, { teamId: decodeGlobalID(team.teamId).id, email, role, tokenName: 'test' });
  return { userId: toGlobalId('User', user.id), token, email };
}
