// Benchmark baseline (issue #6): the practical ceiling of this stack. A bare `node:http` handler
// on cloakroom's own `pg` pool (`createPool`: 10 connections, named prepared statements) that answers the benchmark's own request bodies
// at POST /graphql with the same JSON, by running the same SQL statements cloakroom runs in steady
// state (token cached for 2 s, as cloakroom does) and the same per-request work that is not
// GraphQL: token check, global ids, cursors, credential validation, masking and sealing, and the
// hash-chained audit row. What it leaves out is exactly what cloakroom adds on top: parsing,
// validating and executing GraphQL, Yoga's plugins (rate limits, limits, logging), Kysely and the
// dataloaders. It recognises only the benchmark's four documents; anything else is a 400.
//
// Run: DATABASE_URL=postgres://... CLOAKROOM_MASTER_KEY=<base64> PORT=4002 node bench/baselines/raw.ts
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { parseMasterKey } from '../../src/config.ts';
import { createPool } from '../../src/database/pool.ts';
import { fromGlobalId, toGlobalId } from '../../src/graphql/global-id.ts';
import { auditEventHash, type HashedAuditFields } from '../../src/modules/audit/audit-chain.ts';
import { parseToken, tokenSecretMatches } from '../../src/modules/auth/token.ts';
import { createKeyring } from '../../src/modules/crypto/envelope.ts';
import { credentialValues, validateCredentials } from '../../src/modules/secret/credential-checks.ts';
import { maskValue } from '../../src/modules/secret/credential-masking.ts';
import type { AuthMethod, CredentialsInput } from '../../src/modules/secret/provider-catalogue.ts';
import { sealCredentials } from '../../src/modules/secret/secret-payload.ts';
import { encodeCursor, parsePageArgs } from '../../src/graphql/pagination.ts';
import { LIST_QUERY, NODE_QUERY, ROTATE_MUTATION, UPDATE_MUTATION } from '../operations.ts';

const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error('DATABASE_URL is required');
const keyring = createKeyring(parseMasterKey(process.env.CLOAKROOM_MASTER_KEY ?? '', 'CLOAKROOM_MASTER_KEY'));
const pool = createPool({ databaseUrl: connectionString });
type Queryable = pg.Pool | pg.PoolClient;

interface TokenRow {
  id: string;
  user_id: string;
  secret_hash: Buffer;
  scopes: string[] | null;
  expires_at: Date | null;
}
const liveTokens = new LRUCache<string, TokenRow>({ max: 10_000, ttl: 2_000 });

async function authenticate(header: string | undefined): Promise<TokenRow | null> {
  const parsed = parseToken(/^Bearer (\S+)$/i.exec(header ?? '')?.[1] ?? '');
  if (!parsed) return null;
  let row = liveTokens.get(parsed.lookupId);
  if (!row) {
    const result = await pool.query<TokenRow>(
      'select "id", "user_id", "secret_hash", "scopes", "expires_at" from "api_tokens" where "lookup_id" = $1 and "revoked_at" is null and ("expires_at" is null or "expires_at" > $2)',
      [parsed.lookupId, new Date()],
    );
    row = result.rows[0];
    if (row) liveTokens.set(parsed.lookupId, row);
  }
  if (!row || (row.expires_at && row.expires_at.getTime() <= Date.now()) || !tokenSecretMatches(parsed.secret, row.secret_hash))
    return null;
  return row;
}

/** cloakroom's secret columns (`selectSecrets`): the row, its location count, next rotation and status. */
const SECRET_COLUMNS = `select "secrets".*, (select count(*)::int from locations where locations.secret_id = secrets.id) as "location_count", case when secrets.rotation_every_days is not null then (
  select secret_versions.created_at + make_interval(days => secrets.rotation_every_days)
  from secret_versions where secret_versions.secret_id = secrets.id and secret_versions.version = secrets.payload_version
) end as "next_rotation_at", case
  when secrets.deleted_at is not null then 'SCHEDULED_FOR_DELETION'
  when secrets.expires_at <= now() then 'EXPIRED'
  when case when secrets.rotation_every_days is not null then (
  select secret_versions.created_at + make_interval(days => secrets.rotation_every_days)
  from secret_versions where secret_versions.secret_id = secrets.id and secret_versions.version = secrets.payload_version
) end <= now() then 'ROTATION_DUE'
  else 'ACTIVE' end as "status"`;

/**
 * cloakroom's folded list (`findTeamWithSecrets`): the team with the viewer's role, and the page of
 * its secrets, each with its creator and first locations as JSON, in one statement.
 */
const foldedList = (after: boolean) =>
  `select "page".*, to_json(teams) as "team", "memberships"."role" as "viewer_role" from "teams" inner join "memberships" on "memberships"."team_id" = "teams"."id" left join lateral (${SECRET_COLUMNS}, (select to_json(obj) from (select "users".* from "users" where ("users"."id" = $1 or exists (select from "memberships" as "theirs" inner join "memberships" as "mine" on "mine"."team_id" = "theirs"."team_id" where "theirs"."user_id" = "users"."id" and "mine"."user_id" = $2)) and "users"."id" = "secrets"."created_by") as obj) as "creator", (select coalesce(json_agg(agg), '[]') from (select "locations".*, lower(locations.name) as "sort_key" from "locations" where "locations"."secret_id" = "secrets"."id" order by lower("locations"."name") asc, "locations"."id" asc limit $3) as agg) as "locations_page", lower("secrets"."name") as "sort_key" from "secrets" where "secrets"."team_id" = "teams"."id" and ("secrets"."visibility" = $4 or "secrets"."owner_id" = $5 or "memberships"."role" = any($6)) and "secrets"."deleted_at" is null${after ? ' and (lower("secrets"."name"), "secrets"."id") > ($7, $8)' : ''} order by lower("secrets"."name") asc, "secrets"."id" asc limit $${after ? 9 : 7}) as "page" on true where "memberships"."user_id" = $${after ? 10 : 8} and "teams"."id" = $${after ? 11 : 9}`;

interface SecretRow {
  id: string;
  team_id: string;
  name: string;
  description: string | null;
  secret_type: string;
  auth_method: string;
  created_at: Date;
  created_by: string | null;
  version: number;
  payload_version: number | null;
  location_count: number;
  credential_fields: { name: string; envVar: string; maskedValue: string }[];
}
interface LocationRow {
  id: string;
  secret_id: string;
  name: string;
  bucket_name: string;
}
interface UserRow {
  id: string;
  email: string;
  name: string | null;
}

async function viewerRole(userId: string, teamId: string): Promise<string | null> {
  const { rows } = await pool.query<{ viewer_role: string }>(
    'select "teams".*, "memberships"."role" as "viewer_role" from "teams" inner join "memberships" on "memberships"."team_id" = "teams"."id" where "memberships"."user_id" = $1 and "teams"."id" = any($2)',
    [userId, [teamId]],
  );
  return rows[0]?.viewer_role ?? null;
}

/** The secret if the viewer may see it (cloakroom's secret loader). */
async function visibleSecret(userId: string, secretId: string): Promise<SecretRow | undefined> {
  const { rows } = await pool.query<SecretRow>(
    `${SECRET_COLUMNS} from "secrets" inner join "memberships" on "memberships"."team_id" = "secrets"."team_id" where "memberships"."user_id" = $1 and "secrets"."id" = any($2) and ("secrets"."visibility" = $3 or "secrets"."owner_id" = $4 or "memberships"."role" in ($5, $6))`,
    [userId, [secretId], 'TEAM', userId, 'OWNER', 'ADMIN'],
  );
  return rows[0];
}

/** A secret as the benchmark's fragment asks for it, from its row, its first locations and its creator. */
function secretJson(secret: SecretRow, locations: LocationRow[], creator: UserRow | null | undefined) {
  return {
    id: toGlobalId('Secret', secret.id),
    name: secret.name,
    description: secret.description,
    secretType: secret.secret_type,
    authMethod: secret.auth_method,
    createdAt: secret.created_at.toISOString(),
    locationCount: secret.location_count,
    locations: {
      edges: locations.slice(0, 5).map((location) => ({
        node: { id: toGlobalId('Location', location.id), name: location.name, bucketName: location.bucket_name },
      })),
    },
    createdBy: creator ? { id: toGlobalId('User', creator.id), email: creator.email, name: creator.name } : null,
  };
}

/** cloakroom's `node(id)` of a secret asking for its creator and first locations (`prefetchSecret`): one statement. */
const NODE_WITH_NESTED = `${SECRET_COLUMNS}, (select to_json(obj) from (select "users".* from "users" where ("users"."id" = $1 or exists (select from "memberships" as "theirs" inner join "memberships" as "mine" on "mine"."team_id" = "theirs"."team_id" where "theirs"."user_id" = "users"."id" and "mine"."user_id" = $2)) and "users"."id" = "secrets"."created_by") as obj) as "creator", (select coalesce(json_agg(agg), '[]') from (select "locations".*, lower(locations.name) as "sort_key" from "locations" where "locations"."secret_id" = "secrets"."id" order by lower("locations"."name") asc, "locations"."id" asc limit $3) as agg) as "locations_page" from "secrets" inner join "memberships" on "memberships"."team_id" = "secrets"."team_id" where "memberships"."user_id" = $4 and "secrets"."id" = any($5) and ("secrets"."visibility" = $6 or "secrets"."owner_id" = $7 or "memberships"."role" in ($8, $9))`;

async function list(token: TokenRow, variables: { teamId: string; after?: string }) {
  const teamId = fromGlobalId(variables.teamId, 'Team');
  const page = parsePageArgs({ first: 50, after: variables.after }, 'text');
  const userId = token.user_id;
  const head = [userId, userId, 6, 'TEAM', userId, ['OWNER', 'ADMIN']];
  const { rows } = await pool.query<
    Partial<SecretRow> & { sort_key: string; creator: UserRow | null; locations_page: LocationRow[]; viewer_role: string }
  >(
    foldedList(page.after !== null),
    page.after ? [...head, page.after[0], page.after[1], page.limit, userId, teamId] : [...head, page.limit, userId, teamId],
  );
  if (!rows.length) return { team: null };
  const secrets = rows.filter((row) => row.id !== null) as (SecretRow & (typeof rows)[number])[];
  const shown = secrets.slice(0, page.size);
  const last = shown.at(-1);
  return {
    team: {
      secrets: {
        edges: shown.map((secret) => ({ node: secretJson(secret, secret.locations_page, secret.creator) })),
        pageInfo: { endCursor: last ? encodeCursor([last.sort_key, last.id]) : null, hasNextPage: secrets.length > page.size },
      },
    },
  };
}

async function node(token: TokenRow, variables: { id: string }) {
  const userId = token.user_id;
  const secretId = fromGlobalId(variables.id, 'Secret');
  // One statement, as cloakroom's: its rate limiter finds the secret's team by running the read
  // `Query.node` then answers from (the secret with its creator and locations).
  const { rows } = await pool.query<SecretRow & { creator: UserRow | null; locations_page: LocationRow[] }>(NODE_WITH_NESTED, [
    userId,
    userId,
    6,
    userId,
    [secretId],
    'TEAM',
    userId,
    'OWNER',
    'ADMIN',
  ]);
  const secret = rows[0];
  return { node: secret ? secretJson(secret, secret.locations_page, secret.creator) : null };
}

interface ChangeRequest {
  token: TokenRow;
  secretId: string;
  meta: { requestId: string; clientIp: string | null; userAgent: string | null };
}

/** cloakroom's `appendTeamEvent`, its text to the whitespace (one prepared statement text, as cloakroom's). */
const TEAM_EVENT_INSERT = `
    insert into team_events (id, team_id, seq, type, occurred_at, actor_user_id, actor_token_id,
                             target_type, target_id, target_version, changed_fields, private_to, dedupe_key)
    select $1, $2, coalesce(max(seq), 0) + 1, $3, $4,
           $5, $6, $7, $8,
           $9, $10::text[], $11, $12
    from team_events where team_id = $13
    on conflict (dedupe_key) do nothing`;

/** cloakroom's changeVersioned + changeSecret: authorise, lock, read, change, audit, read back, in one transaction. */
async function changeSecret(
  request: ChangeRequest,
  action: string,
  changedFields: string[],
  change: (client: Queryable, current: SecretRow) => Promise<void>,
) {
  const { token, secretId, meta } = request;
  // cloakroom's rate limiter finds the team of the mutation's id first (through loaders of its
  // own, so that nothing it caches is served stale after the change), then the service loads the
  // secret to authorise: the same statement twice.
  await visibleSecret(token.user_id, secretId);
  const visible = await visibleSecret(token.user_id, secretId);
  if (!visible || !(await viewerRole(token.user_id, visible.team_id))) return null;
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select "secrets"."id" from "secrets" where "secrets"."id" = $1 for update', [secretId]);
    const current = (await client.query<SecretRow>(`${SECRET_COLUMNS} from "secrets" where "secrets"."id" = $1`, [secretId])).rows[0]!;
    await change(client, current);
    await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [current.team_id]);
    const previous = await client.query<{ hash: Buffer }>(
      'select "hash" from "audit_events" where "team_id" = $1 order by "seq" desc limit $2',
      [current.team_id, 1],
    );
    const prevHash = previous.rows[0]?.hash ?? null;
    const audit: HashedAuditFields = {
      id: randomUUID(),
      team_id: current.team_id,
      actor_user_id: token.user_id,
      actor_token_id: token.id,
      action,
      target_type: 'Secret',
      target_id: secretId,
      changed_fields: changedFields,
      target_version: current.version + 1,
      outcome: 'SUCCESS',
      request_id: meta.requestId,
      client_ip: meta.clientIp,
      user_agent: meta.userAgent,
      created_at: new Date(),
    };
    await client.query(
      'insert into "audit_events" ("id", "team_id", "actor_user_id", "actor_token_id", "action", "target_type", "target_id", "changed_fields", "target_version", "outcome", "request_id", "client_ip", "user_agent", "created_at", "prev_hash", "hash") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)',
      [...Object.values(audit), prevHash, auditEventHash(prevHash, audit)],
    );
    // The event outbox (appendTeamEvent, then enqueueDeliveries for the team's webhooks).
    await client.query(TEAM_EVENT_INSERT, [
      audit.id,
      audit.team_id,
      action,
      audit.created_at,
      audit.actor_user_id,
      audit.actor_token_id,
      audit.target_type,
      audit.target_id,
      audit.target_version,
      audit.changed_fields,
      null,
      null,
      audit.team_id,
    ]);
    await client.query(
      'insert into "webhook_deliveries" ("webhook_id", "event_id", "next_attempt_at") select "webhooks"."id", $1 as "event_id", now() as "next_attempt_at" from "webhooks" where "webhooks"."team_id" = $2 and ("webhooks"."types" is null or $3 = any(webhooks.types))',
      [audit.id, audit.team_id, action],
    );
    const updated = (await client.query<SecretRow>(`${SECRET_COLUMNS} from "secrets" where "secrets"."id" = $1`, [secretId])).rows[0]!;
    await client.query('commit');
    return updated;
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

async function update(request: ChangeRequest, input: { description: string }) {
  const secret = await changeSecret(request, 'secret.updated', ['description'], async (client, current) => {
    await client.query(
      'update "secrets" set "updated_by" = $1, "description" = $2, "version" = version + 1, "updated_at" = $3 where "id" = $4',
      [request.token.user_id, input.description, new Date(), current.id],
    );
  });
  if (!secret) return { updateSecret: { __typename: 'NotFoundError', code: 'NOT_FOUND', message: 'No such secret' } };
  return {
    updateSecret: {
      __typename: 'UpdateSecretSuccess',
      secret: { id: toGlobalId('Secret', secret.id), version: secret.version, description: secret.description },
    },
  };
}

const VERSION_WITH_STAGES =
  'select "secret_versions"."secret_id", "secret_versions"."version", "secret_versions"."reason", "secret_versions"."master_key_id", "secret_versions"."created_at", "secret_versions"."created_by", "secret_versions"."auth_method", "secret_versions"."credential_fields", "secret_versions"."restored_from", "secret_versions"."destroyed_at", "secrets"."storage", "secrets"."visibility", "secrets"."owner_id", "secrets"."payload_version", "secrets"."pending_version", "secrets"."previous_version" from "secret_versions" inner join "secrets" on "secrets"."id" = "secret_versions"."secret_id" where "secret_versions"."secret_id" = $1 and "secret_versions"."version" = $2';

async function rotate(request: ChangeRequest, input: { credentials: CredentialsInput }) {
  const secret = await changeSecret(request, 'secret.rotated', ['credentials'], async (client, current) => {
    const method = current.auth_method as AuthMethod;
    if (validateCredentials(method, input.credentials).length) throw new Error('invalid credentials');
    const version = current.version + 1;
    const values = credentialValues(method, input.credentials);
    const sealed = sealCredentials(keyring, values, { teamId: current.team_id, secretId: current.id, version });
    const previews = values.map(({ name, envVar, value }) => ({ name, envVar, maskedValue: maskValue(value) }));
    // The old CURRENT becomes PREVIOUS (DESIGN §6.1) if its row is there (cloakroom's `currentMovedTo`).
    const previous =
      current.payload_version === null
        ? undefined
        : (await client.query<{ version: number }>(VERSION_WITH_STAGES, [current.id, current.payload_version])).rows[0];
    await client.query(
      'update "secrets" set "credential_fields" = $1, "payload_version" = $2, "previous_version" = $3, "pending_version" = $4, "last_rotated_at" = $5, "updated_by" = $6, "version" = version + 1, "updated_at" = $7, "previews_stale" = $8 where "id" = $9',
      [
        JSON.stringify(previews),
        version,
        previous?.version ?? null,
        null,
        new Date(),
        request.token.user_id,
        new Date(),
        false,
        current.id,
      ],
    );
    await client.query(
      'insert into "secret_versions" ("secret_id", "version", "reason", "auth_method", "credential_fields", "ciphertext", "iv", "auth_tag", "wrapped_data_key", "master_key_id", "created_by") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [
        current.id,
        version,
        'ROTATE',
        method,
        JSON.stringify(previews),
        sealed.ciphertext,
        sealed.iv,
        sealed.auth_tag,
        sealed.wrapped_data_key,
        sealed.master_key_id,
        request.token.user_id,
      ],
    );
  });
  if (!secret) return { rotateSecret: { __typename: 'NotFoundError', code: 'NOT_FOUND', message: 'No such secret' } };
  const credentialFields = secret.credential_fields.map(({ name, maskedValue }) => ({ name, maskedValue }));
  return {
    rotateSecret: {
      __typename: 'RotateSecretSuccess',
      secret: { id: toGlobalId('Secret', secret.id), version: secret.version, credentialFields },
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { errors: [{ message: 'Not found' }] });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  // Trusted: only the benchmark calls it, with its own bodies (one of the four shapes below).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each case below reads its own shape
  const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables: any };
  const token = await authenticate(req.headers.authorization);
  if (!token) return send(res, 401, { errors: [{ message: 'A valid API token is required', extensions: { code: 'UNAUTHENTICATED' } }] });
  const meta = { requestId: randomUUID(), clientIp: req.socket.remoteAddress ?? null, userAgent: req.headers['user-agent'] ?? null };
  switch (query) {
    case LIST_QUERY:
      return send(res, 200, { data: await list(token, variables) });
    case NODE_QUERY:
      return send(res, 200, { data: await node(token, variables) });
    case UPDATE_MUTATION: {
      const input: { id: string; description: string } = variables.input;
      return send(res, 200, { data: await update({ token, secretId: fromGlobalId(input.id, 'Secret'), meta }, input) });
    }
    case ROTATE_MUTATION: {
      const input: { id: string; credentials: CredentialsInput } = variables.input;
      return send(res, 200, { data: await rotate({ token, secretId: fromGlobalId(input.id, 'Secret'), meta }, input) });
    }
    default:
      return send(res, 400, { errors: [{ message: 'The raw baseline answers only the benchmark operations' }] });
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) send(res, 500, { errors: [{ message: 'Internal error' }] });
  });
});
const port = Number(process.env.PORT ?? 4002);
server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end().then(() => process.exit(0));
});
