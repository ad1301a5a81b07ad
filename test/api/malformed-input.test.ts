/**
 * Bad input never gets a 500. A generated corpus of malformed requests goes over a real socket
 * (node:http server on 127.0.0.1, node:http client, raw TCP for what no client library sends) to
 * the real application with a real team and token. Every reply must be a refusal:
 *
 * - never HTTP 5xx, and no body mentions "Unexpected error" or INTERNAL_SERVER_ERROR;
 * - a JSON body parses; top-level `errors` are a non-empty list of `{ message }`, and an
 *   `extensions.code`, when there is one, is an UPPER_SNAKE code other than INTERNAL_SERVER_ERROR;
 * - a body that is not JSON comes only with a 4xx (Node's own 400 for bytes no HTTP parser takes)
 *   and is short;
 * - the refusal is of the kind the probe expects (`Outcome`):
 *   `errors`: a 4xx or top-level `errors`;
 *   `typed`:  HTTP 200, no `errors`, and every root field of `data` is a *typed error*: an object
 *             whose `__typename` is an object type implementing the schema's `Error` interface
 *             (all end in "Error"), with a non-empty `message`, an UPPER_SNAKE `code` and, on a
 *             ValidationError, a list of `fieldErrors { path: [String] message code }`;
 *   `null`:   no `errors`, every root field null (or a list of nulls): what `node`/`team` answer for
 *             an id that names nothing the viewer can see (DESIGN §4: another team's object is null);
 *   `success` is accepted only where a probe says why (a harmless fault the server rightly ignores);
 * - a NUL character in any string argument is a ValidationError whose fieldErrors point at it (a
 *   mutation) or a top-level BAD_USER_INPUT (a query field), never a database error;
 * - the app logs no "unexpected error" (what maskError writes when it masks one).
 *
 * Each mutation probe breaks exactly one thing in an input that is otherwise valid: the
 * `controls` test sends those inputs unbroken and expects them to succeed.
 *
 * The corpus is generated from a seeded PRNG (MALFORMED_SEED, printed with any failure), so a
 * failure reproduces; MALFORMED_SHOW=n lists up to n failures. A short summary (count per
 * category) is printed only on failure (or with MALFORMED_SUMMARY=1).
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { GraphQLInterfaceType } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueToken } from '../../src/modules/auth/auth.service.ts';
import { schema } from '../../src/graphql/schema.ts';
import { addMember, createTeamWithOwner, startTestApp, type TestApp, type TestTeam } from '../helpers/app.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';

const SEED = Number(process.env.MALFORMED_SEED ?? 0x5eed_c10a);
/** How many failures the summary lists; MALFORMED_SUMMARY=1 prints the summary even when all pass. */
const SHOW_FAILURES = Number(process.env.MALFORMED_SHOW ?? 30);
const CONCURRENCY = 8;
const BODY_LIMIT = 1_000_000;

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: small, fast and seeded, so the same seed gives the same corpus. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  /** `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    return this.shuffle([...items]).slice(0, count);
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
  bytes(length: number): Buffer {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = this.int(0, 255);
    return bytes;
  }
  /** `length` characters of `alphabet`; long strings repeat a random 4 KiB block (cheap, still not constant). */
  string(length: number, alphabet = LOWER_ALNUM): string {
    const chars = Array.from(alphabet); // code points: an emoji is one character, never half of one
    const block = Array.from({ length: Math.min(length, 4096) }, () => chars[this.int(0, chars.length - 1)]).join('');
    const text = block.repeat(Math.ceil(length / Math.max(block.length, 1))).slice(0, length);
    // Never half of an emoji at the end (a lone surrogate is not valid in a GraphQL literal).
    return /[\uD800-\uDBFF]$/.test(text) ? `${text.slice(0, -1)}a` : text;
  }
  uuid(): string {
    const hex = this.bytes(16).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_HEX = '0123456789ABCDEF';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Printable ASCII, accents, CJK and an astral emoji: oversized strings are not all 'a'. */
const MIXED = `${ALNUM} !#$%&()*+,-./:;<=>?@[]^_{|}~éüß中文字🙂`;

// ---------------------------------------------------------------------------------------------
// Probes and how a reply is judged

const CATEGORIES = [
  'broken-json',
  'content-type',
  'method',
  'huge-query',
  'alias-bomb',
  'fragments',
  'directives',
  'unknown-schema',
  'variable-types',
  'oversized-strings',
  'invalid-utf8',
  'null-bytes',
  'global-ids',
  'cursors',
  'first',
  'get-mutation',
  'batched',
  'auth',
] as const;
type Category = (typeof CATEGORIES)[number];

/** What kind of refusal a probe may get (see the file comment). */
type Outcome = 'errors' | 'typed' | 'null' | 'success';

interface Probe {
  category: Category;
  label: string;
  expect: readonly Outcome[];
  /** With `typed`: the error type every root field must be. */
  typename?: string;
  /** With `typed`: a path one of the ValidationError's fieldErrors must have. */
  fieldPath?: string[];
  /** With `errors`: the `extensions.code` of the first error. */
  code?: string;
  method?: string;
  path?: string;
  /** Sent as they are (latin-1 strings go out as single bytes); undefined leaves a header out. */
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
  /** Bytes written as they are to a fresh TCP connection: what no HTTP client library would send. */
  raw?: Buffer;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const errorInterface = schema.getType('Error') as GraphQLInterfaceType;
/** The types a mutation may answer an expected failure with: the object types implementing `Error`. */
const ERROR_TYPES = new Set(schema.getPossibleTypes(errorInterface).map((type) => type.name));
const CODE = /^[A-Z][A-Z0-9_]*$/;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why `value` is not a typed error, or null when it is one. */
function typedErrorProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'not an object';
  const { __typename: typename, code, message, fieldErrors } = value;
  if (typeof typename !== 'string' || !typename.endsWith('Error') || !ERROR_TYPES.has(typename))
    return `__typename ${String(typename)} is not an Error type`;
  if (typeof code !== 'string' || !CODE.test(code)) return `${typename}.code ${JSON.stringify(code)} is not a code`;
  if (typeof message !== 'string' || message === '') return `${typename}.message is empty`;
  if (typename === 'ValidationError') {
    const valid =
      Array.isArray(fieldErrors) &&
      fieldErrors.every(
        (fe) =>
          isRecord(fe) &&
          Array.isArray(fe.path) &&
          fe.path.every((segment) => typeof segment === 'string') &&
          typeof fe.message === 'string' &&
          typeof fe.code === 'string',
      );
    if (!valid) return 'ValidationError.fieldErrors is malformed';
  }
  return null;
}

const isNullish = (value: unknown) => value === null || (Array.isArray(value) && value.every((item) => item === null));

/** The problems of one GraphQL result (an object, or each item of a batch), whatever the probe. */
function resultProblems(body: unknown): string[] {
  if (Array.isArray(body)) return body.length === 0 ? ['an empty JSON array'] : body.flatMap(resultProblems);
  if (!isRecord(body)) return ['the JSON body is not an object'];
  const problems: string[] = [];
  if ('errors' in body) {
    if (!Array.isArray(body.errors) || body.errors.length === 0) problems.push('`errors` is not a non-empty list');
    else
      for (const error of body.errors) {
        if (!isRecord(error) || typeof error.message !== 'string' || error.message === '') problems.push('an error without a message');
        const code = isRecord(error) && isRecord(error.extensions) ? error.extensions.code : undefined;
        if (code !== undefined && (typeof code !== 'string' || !CODE.test(code) || code === 'INTERNAL_SERVER_ERROR'))
          problems.push(`extensions.code ${JSON.stringify(code)}`);
      }
  }
  if ('data' in body && body.data !== null && !isRecord(body.data)) problems.push('`data` is neither an object nor null');
  if (!('errors' in body) && !('data' in body)) problems.push('neither `data` nor `errors`');
  // Anything that claims to be an error member must be a well-formed one.
  for (const value of isRecord(body.data) ? Object.values(body.data) : []) {
    if (isRecord(value) && typeof value.__typename === 'string' && value.__typename.endsWith('Error')) {
      const problem = typedErrorProblem(value);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function outcomeOf(status: number, body: unknown): Outcome {
  const results = Array.isArray(body) ? body : [body];
  if (status >= 400 || results.some((result) => isRecord(result) && 'errors' in result)) return 'errors';
  const roots = results.flatMap((result) => (isRecord(result) && isRecord(result.data) ? Object.values(result.data) : []));
  if (roots.length > 0 && roots.every((root) => typedErrorProblem(root) === null)) return 'typed';
  if (roots.length > 0 && roots.every(isNullish)) return 'null';
  return 'success';
}

/** Why `reply` is not an acceptable answer to `probe`, or null. */
function judge(probe: Probe, reply: Reply): string | null {
  if (reply.status >= 500) return `HTTP ${reply.status}`;
  if (reply.status < 200) return `HTTP ${reply.status}`;
  if (/Unexpected error|INTERNAL_SERVER_ERROR/.test(reply.text)) return 'a masked internal error';
  const contentType = String(reply.headers['content-type'] ?? '');
  let outcome: Outcome;
  let body: unknown;
  if (probe.method === 'HEAD') {
    // A HEAD answer has no body, whatever its Content-Type says.
    if (reply.status < 400 || reply.text !== '') return `HEAD answered with HTTP ${reply.status} and ${reply.text.length} bytes`;
    outcome = 'errors';
  } else if (/[/+]json\b/.test(contentType)) {
    try {
      body = JSON.parse(reply.text);
    } catch {
      return `a ${contentType} body that is not JSON`;
    }
    const problems = resultProblems(body);
    if (problems.length > 0) return problems.join('; ');
    if (reply.status >= 400 && !(isRecord(body) && Array.isArray(body.errors))) return `HTTP ${reply.status} without errors`;
    outcome = outcomeOf(reply.status, body);
  } else {
    if (reply.status < 400) return `HTTP ${reply.status} with a non-JSON body (${contentType || 'no content-type'})`;
    if (reply.text.length > 2000 || /\n\s+at /.test(reply.text)) return `HTTP ${reply.status} with a long or stack-trace body`;
    outcome = 'errors';
  }
  if (!probe.expect.includes(outcome)) return `${outcome}, expected ${probe.expect.join(' | ')}`;
  if (outcome === 'typed' && probe.typename) {
    const roots = Object.values((body as { data: Record<string, { __typename: string }> }).data);
    const other = roots.find((root) => root.__typename !== probe.typename);
    if (other) return `${other.__typename}, expected ${probe.typename}`;
  }
  if (outcome === 'typed' && probe.fieldPath) {
    const roots = Object.values((body as { data: Record<string, { fieldErrors?: { path: string[] }[] }> }).data);
    const expected = JSON.stringify(probe.fieldPath);
    if (!roots.every((root) => root.fieldErrors?.some((fieldError) => JSON.stringify(fieldError.path) === expected)))
      return `no fieldError at ${expected}`;
  }
  if (outcome === 'errors' && probe.code) {
    const code = (body as { errors?: { extensions?: { code?: string } }[] } | undefined)?.errors?.[0]?.extensions?.code;
    if (code !== probe.code) return `extensions.code ${String(code)}, expected ${probe.code}`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Transport: a real socket

let server: Server;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(probe: Probe): Promise<Reply> {
  if (probe.raw) return sendRaw(probe.raw);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(probe.headers ?? {})) if (value !== undefined) headers[name] = value;
    const body = probe.body === undefined ? undefined : Buffer.isBuffer(probe.body) ? probe.body : Buffer.from(probe.body, 'utf8');
    if (body && !probe.chunked) headers['content-length'] = String(body.length);
    const request = httpRequest(
      { host: '127.0.0.1', port, method: probe.method ?? 'POST', path: probe.path ?? '/graphql', headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.setTimeout(20_000, () => request.destroy(new Error('no reply within 20 s')));
    if (body && probe.chunked) {
      for (let offset = 0; offset < body.length; offset += 65_536) request.write(body.subarray(offset, offset + 65_536));
      request.end();
    } else {
      request.end(body);
    }
  });
}

/** Writes `bytes` (which ask for `Connection: close`) and parses whatever comes back. */
function sendRaw(bytes: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy(new Error('no reply within 20 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const response = Buffer.concat(chunks).toString('latin1');
      const split = response.indexOf('\r\n\r\n');
      const [statusLine = '', ...headerLines] = response.slice(0, split < 0 ? undefined : split).split('\r\n');
      const headers: IncomingHttpHeaders = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body: Buffer = Buffer.from(split < 0 ? '' : response.slice(split + 4), 'latin1');
      if (/chunked/i.test(String(headers['transfer-encoding'] ?? ''))) body = dechunk(body);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, text: body.toString('utf8') });
    });
    socket.write(bytes);
  });
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Runs `probes` over at most `limit` connections at a time; a transport failure is a reply of status 0. */
async function runAll(probes: readonly Probe[], limit: number): Promise<(Reply | Error)[]> {
  const replies: (Reply | Error)[] = new Array(probes.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < probes.length) {
        const index = next++;
        replies[index] = await send(probes[index]!).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      }
    }),
  );
  return replies;
}

// ---------------------------------------------------------------------------------------------
// GraphQL text

/** An enum value: a bare name in a literal, a string in JSON variables. */
class EnumValue {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  toJSON(): string {
    return this.name;
  }
}
const E = (name: string) => new EnumValue(name);

/** `value` as a GraphQL literal (JSON's string escapes are GraphQL's, \u0000 included). */
function literal(value: unknown): string {
  if (value instanceof EnumValue) return value.name;
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([key, item]) => `${key}: ${literal(item)}`)
      .join(', ')} }`;
  return JSON.stringify(value);
}

/** What every mutation asks of its result union: the member, and the error fields. */
const RESULT = '{ __typename ... on Error { code message } ... on ValidationError { fieldErrors { path message code } } }';
const capitalize = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
const mutationDocument = (field: string) => `mutation Probe($input: ${capitalize(field)}Input!) { ${field}(input: $input) ${RESULT} }`;

type Path = (string | number)[];

function setAt(target: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = clone(target);
  let node: Record<string | number, unknown> = copy;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}
const getAt = (target: unknown, path: Path): unknown =>
  path.reduce<unknown>((node, segment) => (node as Record<string | number, unknown>)[segment], target);

/** structuredClone drops the EnumValue class: clone by hand instead. */
function clone<T>(value: T): T {
  if (value instanceof EnumValue || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clone(item)])) as T;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string | Buffer) => Buffer.from(text).toString('base64url');

// ---------------------------------------------------------------------------------------------
// Fixtures: a team with one of everything, and tokens in every state

interface Fixture {
  teamId: string;
  ownerId: string;
  token: string;
  viewerToken: string;
  viewerUserId: string;
  otherTeamRawId: string;
  expiredToken: string;
  revokedToken: string;
  s3SecretId: string;
  envSecretId: string;
  vaultId: string;
  locationId: string;
  workspaceId: string;
}

/** Sends one operation that must succeed and returns its `data`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- setup data: its shape is the query's, read by the fixture code below
async function must(query: string, variables: Record<string, unknown>, token: string): Promise<Record<string, any>> {
  const reply = await send({
    category: 'auth',
    label: 'setup',
    expect: ['success'],
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  const body = JSON.parse(reply.text) as { data?: Record<string, any>; errors?: unknown };
  if (reply.status !== 200 || body.errors || !body.data) throw new Error(`setup failed: ${reply.status} ${reply.text.slice(0, 500)}`);
  for (const value of Object.values(body.data))
    if (isRecord(value) && String(value.__typename).endsWith('Error')) throw new Error(`setup failed: ${JSON.stringify(value)}`);
  return body.data;
}

async function createFixture(t: TestApp, team: TestTeam, other: TestTeam): Promise<Fixture> {
  const token = team.ownerToken;
  const viewer = await addMember(t.db, team, 'VIEWER');
  const ownerRawId = rawId(team.ownerId);
  const [expired, revoked] = await Promise.all([issueToken(t.db, ownerRawId, 'expired'), issueToken(t.db, ownerRawId, 'revoked')]);
  await t.db
    .updateTable('api_tokens')
    .set({ expires_at: new Date(Date.now() - 60_000) })
    .where('id', '=', expired.apiToken.id)
    .execute();
  await t.db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', revoked.apiToken.id).execute();
  const created = (field: string, member: string) =>
    `mutation($input: ${capitalize(field)}Input!) { ${field}(input: $input) { __typename ... on ${capitalize(field)}Success { ${member} { id } } ... on Error { code message } } }`;
  const s3 = await must(
    created('createSecret', 'secret'),
    {
      input: {
        teamId: team.teamId,
        name: 'fx-s3',
        secretType: 'S3',
        authMethod: 'S3_ACCESS_KEY',
        credentials: { accessKey: fixtures.accessKey() },
      },
    },
    token,
  );
  const env = await must(
    created('createSecret', 'secret'),
    {
      input: {
        teamId: team.teamId,
        name: 'fx-env',
        secretType: 'ENV',
        credentials: {
          envVars: [
            { key: 'ALPHA', value: 'one' },
            { key: 'BETA', value: 'two' },
          ],
        },
      },
    },
    token,
  );
  const vault = await must(
    created('createVaultConnection', 'vaultConnection'),
    {
      input: {
        teamId: team.teamId,
        name: 'fx-vault',
        vaultType: 'ONEPASSWORD',
        credentials: { onePassword: { accessToken: 'ops_fixture_token_0123456789' } },
      },
    },
    token,
  );
  const s3SecretId = s3.createSecret.secret.id as string;
  const location = await must(
    created('createLocation', 'location'),
    {
      input: {
        teamId: team.teamId,
        name: 'fx-loc',
        locationType: 'S3',
        secretId: s3SecretId,
        bucketName: 'fx-bucket',
        region: 'eu-west-1',
      },
    },
    token,
  );
  const workspace = await must(created('createWorkspace', 'workspace'), { input: { teamId: team.teamId, name: 'fx-ws' } }, token);
  return {
    teamId: team.teamId,
    ownerId: team.ownerId,
    token,
    viewerToken: viewer.token,
    viewerUserId: viewer.userId,
    otherTeamRawId: rawId(other.teamId),
    expiredToken: expired.token,
    revokedToken: revoked.token,
    s3SecretId,
    envSecretId: env.createSecret.secret.id as string,
    vaultId: vault.createVaultConnection.vaultConnection.id as string,
    locationId: location.createLocation.location.id as string,
    workspaceId: workspace.createWorkspace.workspace.id as string,
  };
}

// ---------------------------------------------------------------------------------------------
// Mutation targets: a valid input for each, and where its strings and ids are

interface Target {
  field: string;
  label: string;
  /** A valid input (fresh names every call): the probes break exactly one thing in it. */
  input: () => Record<string, unknown>;
  strings: Path[];
  ids: Path[];
  /** Whether the valid input may be sent as a control (false for deletions of fixtures). */
  control: boolean;
}

function targetsFor(rng: Rng, fx: Fixture): Target[] {
  const name = () => `mf ${rng.string(12)}`;
  const slug = () => `mf-${rng.string(12)}`;
  const envKey = () => `MF_${rng.string(10, UPPER_HEX)}`;
  const accessKey = () => ({ accessKeyId: `AKIA${rng.string(16, UPPER_HEX)}`, secretAccessKey: rng.string(40, ALNUM) });
  const serviceAccountJson = () =>
    JSON.stringify({
      type: 'service_account',
      project_id: 'mf-project',
      client_email: `svc-${rng.string(6)}@mf-project.iam.gserviceaccount.com`,
      private_key: `-----BEGIN PRIVATE KEY-----\n${rng.bytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`,
    });
  const secret = (extra: () => Record<string, unknown>) => () => ({
    teamId: fx.teamId,
    name: name(),
    description: 'malformed-input probe',
    ...extra(),
  });
  const T = (field: string, label: string, input: () => Record<string, unknown>, strings: Path[], ids: Path[], control = true): Target => ({
    field,
    label,
    input,
    strings,
    ids,
    control,
  });
  return [
    T('createTeam', 'createTeam', () => ({ name: name(), slug: slug() }), [['name'], ['slug']], []),
    T('updateTeam', 'updateTeam', () => ({ id: fx.teamId, name: name(), slug: slug() }), [['name'], ['slug']], [['id']]),
    T(
      'addTeamMember',
      'addTeamMember',
      () => ({ teamId: fx.teamId, email: `${rng.string(10)}@example.test`, role: E('VIEWER') }),
      [['email']],
      [['teamId']],
    ),
    T(
      'updateMemberRole',
      'updateMemberRole',
      () => ({ teamId: fx.teamId, userId: fx.viewerUserId, role: E('VIEWER') }),
      [],
      [['teamId'], ['userId']],
    ),
    T('removeTeamMember', 'removeTeamMember', () => ({ teamId: fx.teamId, userId: fx.viewerUserId }), [], [['teamId'], ['userId']], false),
    T('createApiToken', 'createApiToken', () => ({ name: name() }), [['name']], []),
    T('revokeApiToken', 'revokeApiToken', () => ({ id: fx.teamId }), [], [['id']], false),
    T(
      'createSecret',
      'createSecret S3',
      secret(() => ({ secretType: E('S3'), authMethod: E('S3_ACCESS_KEY'), credentials: { accessKey: accessKey() }, serviceSlug: 'aws' })),
      [
        ['name'],
        ['description'],
        ['serviceSlug'],
        ['credentials', 'accessKey', 'accessKeyId'],
        ['credentials', 'accessKey', 'secretAccessKey'],
      ],
      [['teamId']],
    ),
    T(
      'createSecret',
      'createSecret AZURE_ACCOUNT_KEY',
      secret(() => ({
        secretType: E('AZURE_BLOB'),
        authMethod: E('AZURE_ACCOUNT_KEY'),
        credentials: { azureAccountKey: { accountName: `acct${rng.string(8)}`, accountKey: rng.bytes(64).toString('base64') } },
      })),
      [
        ['credentials', 'azureAccountKey', 'accountName'],
        ['credentials', 'azureAccountKey', 'accountKey'],
      ],
      [],
    ),
    T(
      'createSecret',
      'createSecret AZURE_SAS_URL',
      secret(() => ({
        secretType: E('AZURE_BLOB'),
        authMethod: E('AZURE_SAS_URL'),
        credentials: { azureSasUrl: { sasUrl: `https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=${rng.string(43, ALNUM)}` } },
      })),
      [['credentials', 'azureSasUrl', 'sasUrl']],
      [],
    ),
    T(
      'createSecret',
      'createSecret GCS',
      secret(() => ({
        secretType: E('GCS'),
        authMethod: E('GCS_SERVICE_ACCOUNT'),
        credentials: { gcsServiceAccount: { serviceAccountJson: serviceAccountJson() } },
      })),
      [['credentials', 'gcsServiceAccount', 'serviceAccountJson']],
      [],
    ),
    T(
      'createSecret',
      'createSecret B2',
      secret(() => ({
        secretType: E('B2'),
        authMethod: E('B2_APPLICATION_KEY'),
        credentials: { b2ApplicationKey: { applicationKeyId: rng.string(24, UPPER_HEX), applicationKey: rng.string(32, ALNUM) } },
      })),
      [
        ['credentials', 'b2ApplicationKey', 'applicationKeyId'],
        ['credentials', 'b2ApplicationKey', 'applicationKey'],
      ],
      [],
    ),
    T(
      'createSecret',
      'createSecret ENV',
      secret(() => ({
        secretType: E('ENV'),
        credentials: { envVars: [{ key: envKey(), value: rng.string(30, ALNUM) }] },
        workspaceAccess: E('SOME'),
        allowedWorkspaces: [fx.workspaceId],
      })),
      [['name'], ['description'], ['credentials', 'envVars', 0, 'key'], ['credentials', 'envVars', 0, 'value']],
      [['teamId'], ['allowedWorkspaces', 0]],
    ),
    T(
      'createSecret',
      'createSecret preset',
      () => ({ teamId: fx.teamId, preset: 'openai', name: name(), value: `sk-${rng.string(40, ALNUM)}` }),
      [['preset'], ['value']],
      [],
    ),
    T(
      'createSecret',
      'createSecret EXTERNAL_VAULT',
      secret(() => ({
        secretType: E('S3'),
        authMethod: E('S3_ACCESS_KEY'),
        vaultConnectionId: fx.vaultId,
        fieldMappings: [
          { fieldName: 'access_key_id', reference: 'op://vault/item/access-key-id' },
          { fieldName: 'secret_access_key', reference: 'op://vault/item/secret-access-key' },
        ],
      })),
      [
        ['fieldMappings', 0, 'fieldName'],
        ['fieldMappings', 0, 'reference'],
        ['fieldMappings', 1, 'reference'],
      ],
      [['vaultConnectionId']],
    ),
    T(
      'updateSecret',
      'updateSecret metadata',
      () => ({ id: fx.s3SecretId, name: name(), description: 'probe', serviceSlug: 'aws' }),
      [['name'], ['description'], ['serviceSlug']],
      [['id']],
    ),
    T(
      'updateSecret',
      'updateSecret credentials',
      () => ({ id: fx.s3SecretId, credentials: { accessKey: accessKey() } }),
      [
        ['credentials', 'accessKey', 'accessKeyId'],
        ['credentials', 'accessKey', 'secretAccessKey'],
      ],
      [],
    ),
    T(
      'updateSecret',
      'updateSecret values',
      () => ({
        id: fx.envSecretId,
        values: [
          { key: 'ALPHA', value: rng.string(20) },
          { key: 'BETA', value: rng.string(20) },
        ],
      }),
      [
        ['values', 0, 'key'],
        ['values', 1, 'value'],
      ],
      [],
    ),
    T(
      'updateSecret',
      'updateSecret renameKeys',
      () => ({ id: fx.envSecretId, renameKeys: [{ from: 'ALPHA', to: 'ALPHA' }] }),
      [
        ['renameKeys', 0, 'from'],
        ['renameKeys', 0, 'to'],
      ],
      [],
      false,
    ),
    T('updateSecret', 'updateSecret removeKeys', () => ({ id: fx.envSecretId, removeKeys: ['ALPHA'] }), [['removeKeys', 0]], [], false),
    T(
      'updateSecret',
      'updateSecret addValues',
      () => ({ id: fx.envSecretId, addValues: [{ key: envKey(), value: rng.string(20) }] }),
      [
        ['addValues', 0, 'key'],
        ['addValues', 0, 'value'],
      ],
      [],
    ),
    T(
      'rotateSecret',
      'rotateSecret',
      () => ({ id: fx.s3SecretId, credentials: { accessKey: accessKey() } }),
      [
        ['credentials', 'accessKey', 'accessKeyId'],
        ['credentials', 'accessKey', 'secretAccessKey'],
      ],
      [['id']],
    ),
    T('deleteSecret', 'deleteSecret', () => ({ id: fx.s3SecretId }), [], [['id']], false),
    T(
      'createLocation',
      'createLocation',
      () => ({
        teamId: fx.teamId,
        name: name(),
        description: 'probe',
        locationType: E('S3'),
        secretId: fx.s3SecretId,
        bucketName: `mf-${rng.string(8)}`,
        region: 'eu-west-1',
        endpointUrl: 'https://s3.eu-west-1.amazonaws.com',
      }),
      [['name'], ['description'], ['bucketName'], ['region'], ['endpointUrl']],
      [['teamId'], ['secretId']],
    ),
    T(
      'updateLocation',
      'updateLocation',
      () => ({
        id: fx.locationId,
        name: name(),
        description: 'probe',
        secretId: fx.s3SecretId,
        bucketName: `mf-${rng.string(8)}`,
        region: 'eu-west-2',
        endpointUrl: 'https://s3.eu-west-2.amazonaws.com',
      }),
      [['name'], ['description'], ['bucketName'], ['region'], ['endpointUrl']],
      [['id'], ['secretId']],
    ),
    T('deleteLocation', 'deleteLocation', () => ({ id: fx.locationId }), [], [['id']], false),
    T(
      'createVaultConnection',
      'createVaultConnection 1Password',
      () => ({
        teamId: fx.teamId,
        name: name(),
        description: 'probe',
        vaultType: E('ONEPASSWORD'),
        credentials: { onePassword: { accessToken: `ops_${rng.string(40, ALNUM)}` } },
      }),
      [['name'], ['description'], ['credentials', 'onePassword', 'accessToken']],
      [['teamId']],
    ),
    T(
      'createVaultConnection',
      'createVaultConnection Doppler',
      () => ({
        teamId: fx.teamId,
        name: name(),
        vaultType: E('DOPPLER'),
        credentials: { doppler: { accessToken: `dp.st.${rng.string(40, ALNUM)}`, project: 'backend', config: 'prd' } },
      }),
      [
        ['credentials', 'doppler', 'accessToken'],
        ['credentials', 'doppler', 'project'],
        ['credentials', 'doppler', 'config'],
      ],
      [],
    ),
    T(
      'createVaultConnection',
      'createVaultConnection Infisical',
      () => ({
        teamId: fx.teamId,
        name: name(),
        vaultType: E('INFISICAL'),
        credentials: {
          infisical: {
            clientId: rng.uuid(),
            clientSecret: rng.string(64, UPPER_HEX),
            projectId: rng.uuid(),
            environment: 'prod',
            secretPath: '/apps/api',
          },
        },
      }),
      [
        ['credentials', 'infisical', 'clientId'],
        ['credentials', 'infisical', 'clientSecret'],
        ['credentials', 'infisical', 'projectId'],
        ['credentials', 'infisical', 'environment'],
        ['credentials', 'infisical', 'secretPath'],
      ],
      [],
    ),
    T(
      'updateVaultConnection',
      'updateVaultConnection',
      () => ({ id: fx.vaultId, name: name(), description: 'probe' }),
      [['name'], ['description']],
      [['id']],
    ),
    T(
      'rotateVaultConnection',
      'rotateVaultConnection',
      () => ({ id: fx.vaultId, credentials: { onePassword: { accessToken: `ops_${rng.string(40, ALNUM)}` } } }),
      [['credentials', 'onePassword', 'accessToken']],
      [['id']],
    ),
    T('deleteVaultConnection', 'deleteVaultConnection', () => ({ id: fx.vaultId }), [], [['id']], false),
    T(
      'createWorkspace',
      'createWorkspace',
      () => ({ teamId: fx.teamId, name: name(), description: 'probe' }),
      [['name'], ['description']],
      [['teamId']],
    ),
    T(
      'updateWorkspace',
      'updateWorkspace',
      () => ({ id: fx.workspaceId, name: name(), description: 'probe' }),
      [['name'], ['description']],
      [['id']],
    ),
    T('deleteWorkspace', 'deleteWorkspace', () => ({ id: fx.workspaceId }), [], [['id']], false),
  ];
}

/** The typename of the global ids a path takes. */
function typenameOfIdPath(target: Target, path: Path): string {
  const last = String(path.filter((segment) => typeof segment === 'string').at(-1));
  if (last === 'teamId') return 'Team';
  if (last === 'userId') return 'User';
  if (last === 'secretId') return 'Secret';
  if (last === 'vaultConnectionId') return 'VaultConnection';
  if (last === 'allowedWorkspaces') return 'Workspace';
  const noun = target.field.replace(/^(create|update|delete|rotate|revoke|remove|add)/, '');
  return noun === 'Team' ? 'Team' : noun;
}

/** How big an oversized value is: descriptions 100k, env values 50k, credentials near the body limit, the rest 10k. */
function oversizedLength(path: Path): number {
  const last = String(path.at(-1));
  if (last === 'description') return 100_000;
  if (last === 'value' && (path[0] === 'credentials' || path[0] === 'values' || path[0] === 'addValues' || path.length === 1))
    return 50_000;
  if (path[0] === 'credentials' || last === 'reference') return 900_000;
  return 10_000;
}

// ---------------------------------------------------------------------------------------------
// The corpus

/** The lists a client can page through, each as a query taking `$after` and `$first`, and the kind of its cursor. */
function listsFor(fx: Fixture) {
  const page = '(first: $first, after: $after)';
  const vars = '($id: ID!, $first: Int, $after: String)';
  const edges = '{ edges { cursor } pageInfo { hasNextPage } }';
  return [
    {
      label: 'viewer.apiTokens',
      kind: 'timestamp',
      id: fx.teamId,
      query: `query${vars} { viewer { apiTokens${page} ${edges} } team(id: $id) { id } }`,
    },
    { label: 'team.secrets', kind: 'text', id: fx.teamId, query: `query${vars} { team(id: $id) { secrets${page} ${edges} } }` },
    {
      label: 'team.secrets by CREATED_AT',
      kind: 'timestamp',
      id: fx.teamId,
      query: `query${vars} { team(id: $id) { secrets(first: $first, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) ${edges} } }`,
    },
    { label: 'team.locations', kind: 'text', id: fx.teamId, query: `query${vars} { team(id: $id) { locations${page} ${edges} } }` },
    {
      label: 'team.locations by CREATED_AT',
      kind: 'timestamp',
      id: fx.teamId,
      query: `query${vars} { team(id: $id) { locations(first: $first, after: $after, orderBy: { field: CREATED_AT }) ${edges} } }`,
    },
    { label: 'team.members', kind: 'timestamp', id: fx.teamId, query: `query${vars} { team(id: $id) { members${page} ${edges} } }` },
    { label: 'team.auditEvents', kind: 'bigint', id: fx.teamId, query: `query${vars} { team(id: $id) { auditEvents${page} ${edges} } }` },
    {
      label: 'team.vaultConnections',
      kind: 'text',
      id: fx.teamId,
      query: `query${vars} { team(id: $id) { vaultConnections${page} ${edges} } }`,
    },
    { label: 'team.workspaces', kind: 'text', id: fx.teamId, query: `query${vars} { team(id: $id) { workspaces${page} ${edges} } }` },
    {
      label: 'secret.versions',
      kind: 'integer',
      id: fx.s3SecretId,
      query: `query${vars} { node(id: $id) { ... on Secret { versions${page} ${edges} } } }`,
    },
    {
      label: 'secret.locations',
      kind: 'text',
      id: fx.s3SecretId,
      query: `query${vars} { node(id: $id) { ... on Secret { locations${page} ${edges} } } }`,
    },
    {
      label: 'workspace.availableSecrets',
      kind: 'text',
      id: fx.workspaceId,
      query: `query${vars} { node(id: $id) { ... on Workspace { availableSecrets${page} ${edges} } } }`,
    },
  ] as const;
}

function buildCorpus(rng: Rng, fx: Fixture): Probe[] {
  const probes: Probe[] = [];
  const accepts = [
    'application/json',
    'application/graphql-response+json',
    '*/*',
    undefined,
    'application/graphql-response+json, application/json;q=0.9',
  ];
  const baseHeaders = (): Record<string, string | undefined> => ({
    'content-type': 'application/json',
    authorization: `Bearer ${fx.token}`,
    accept: rng.pick(accepts),
  });
  const add = (
    category: Category,
    label: string,
    expectOutcome: readonly Outcome[],
    init: Omit<Probe, 'category' | 'label' | 'expect'> = {},
  ) => probes.push({ ...init, category, label, expect: expectOutcome, headers: { ...baseHeaders(), ...init.headers } });
  const gql = (
    category: Category,
    label: string,
    expectOutcome: readonly Outcome[],
    query: string,
    variables?: unknown,
    init: Omit<Probe, 'category' | 'label' | 'expect'> = {},
  ) => add(category, label, expectOutcome, { body: JSON.stringify(variables === undefined ? { query } : { query, variables }), ...init });
  const ERR = ['errors'] as const;
  const TYPED = ['typed'] as const;
  const viewerQuery = '{ viewer { id } }';
  const validBody = JSON.stringify({ query: viewerQuery });
  const targets = targetsFor(rng, fx);
  const lists = listsFor(fx);
  type Expectation = Pick<Probe, 'typename' | 'fieldPath'>;
  const mutate = (
    category: Category,
    label: string,
    target: Target,
    input: unknown,
    expectOutcome: readonly Outcome[] = TYPED,
    expectation: string | Expectation = {},
  ) =>
    gql(
      category,
      `${target.label}: ${label}`,
      expectOutcome,
      mutationDocument(target.field),
      { input },
      typeof expectation === 'string' ? { typename: expectation } : expectation,
    );
  const mutateLiteral = (
    category: Category,
    label: string,
    target: Target,
    input: unknown,
    expectOutcome: readonly Outcome[] = TYPED,
    expectation: string | Expectation = {},
  ) =>
    gql(
      category,
      `${target.label} (literal): ${label}`,
      expectOutcome,
      `mutation { ${target.field}(input: ${literal(input)}) ${RESULT} }`,
      undefined,
      typeof expectation === 'string' ? { typename: expectation } : expectation,
    );

  // --- broken JSON bodies -------------------------------------------------------------------
  const mutationBody = JSON.stringify({
    query: mutationDocument('createTeam'),
    variables: { input: { name: 'x', slug: 'x' } },
    operationName: 'Probe',
  });
  for (let i = 0; i < 30; i++) {
    const source = rng.pick([validBody, mutationBody]);
    const cut = rng.int(0, source.length - 1);
    add('broken-json', `truncated at ${cut}/${source.length}`, ERR, { body: source.slice(0, cut) });
  }
  for (let i = 0; i < 15; i++) {
    const garbage = rng.pick(['}', ',', ']', 'x', '{}', ' null', '\u0000', '🙂', rng.string(rng.int(1, 40), MIXED)]);
    add('broken-json', `trailing garbage ${JSON.stringify(garbage).slice(0, 20)}`, ERR, {
      body: rng.pick([validBody, mutationBody]) + garbage,
    });
  }
  const wrongTypes: [string, unknown][] = [
    ['query: number', { query: 42 }],
    ['query: true', { query: true }],
    ['query: null', { query: null }],
    ['query: []', { query: [] }],
    ['query: {}', { query: {} }],
    ['query: [text]', { query: [viewerQuery] }],
    ['query: an AST', { query: { kind: 'Document', definitions: [] } }],
    ['query: ""', { query: '' }],
    ['query: whitespace', { query: ' \n\t ' }],
    ['no query', { variables: {} }],
    ['Query (wrong case)', { Query: viewerQuery }],
    ['variables: string', { query: viewerQuery, variables: 'x' }],
    ['variables: JSON text', { query: 'query($id: ID!) { team(id: $id) { id } }', variables: JSON.stringify({ id: fx.teamId }) }],
    ['variables: number', { query: viewerQuery, variables: 42 }],
    ['variables: true', { query: viewerQuery, variables: true }],
    ['variables: []', { query: viewerQuery, variables: [] }],
    ['variables: [1, 2]', { query: viewerQuery, variables: [1, 2] }],
    ['operationName: number', { query: viewerQuery, operationName: 42 }],
    ['operationName: {}', { query: viewerQuery, operationName: {} }],
    ['operationName: []', { query: viewerQuery, operationName: [] }],
    ['operationName: true', { query: viewerQuery, operationName: true }],
    ['operationName: unknown', { query: viewerQuery, operationName: 'Nope' }],
    ['extensions: string', { query: viewerQuery, extensions: 'x' }],
    ['extensions: number', { query: viewerQuery, extensions: 7 }],
    ['extensions: []', { query: viewerQuery, extensions: [] }],
    ['extensions.persistedQuery', { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }],
    ['top-level null', null],
    ['top-level number', 123],
    ['top-level string', viewerQuery],
    ['top-level true', true],
    ['top-level [1]', [1]],
    ['top-level [null]', [null]],
  ];
  for (const [label, body] of wrongTypes) add('broken-json', label, ERR, { body: JSON.stringify(body) });
  const firstQuery = 'query($n: Int) { viewer { apiTokens(first: $n) { edges { cursor } } } }';
  for (const number of [
    '1e999',
    '-1e999',
    '2147483648',
    '-2147483649',
    '1e20',
    '123456789012345678901234567890',
    '0.5',
    '1.0000000001',
    '9007199254740993',
    '-0.5',
    '1e-400e3',
  ]) {
    add('broken-json', `huge number ${number}`, ERR, { body: `{"query":${JSON.stringify(firstQuery)},"variables":{"n":${number}}}` });
  }
  add('broken-json', 'query: 1e999', ERR, { body: '{"query":1e999}' });
  add('broken-json', 'NaN', ERR, { body: `{"query":${JSON.stringify(firstQuery)},"variables":{"n":NaN}}` });
  add('broken-json', 'Infinity', ERR, { body: `{"query":${JSON.stringify(firstQuery)},"variables":{"n":Infinity}}` });
  add('broken-json', 'single quotes', ERR, { body: `{'query':'${viewerQuery}'}` });
  add('broken-json', 'unquoted keys', ERR, { body: `{query:"${viewerQuery}"}` });
  add('broken-json', 'a comment', ERR, { body: `// hi\n${validBody}` });
  add('broken-json', 'a trailing comma', ERR, { body: `{"query":"${viewerQuery}",}` });
  add('broken-json', 'an invalid escape', ERR, { body: '{"query":"{ viewer { \\x69d } }"}' });
  add('broken-json', 'a raw newline in a string', ERR, {
    body: '{"query":"query($a: ID!) { team(id: $a) { id } }","variables":{"a":"x\ny"}}',
  });
  add('broken-json', 'BOM then garbage', ERR, { body: `\uFEFF{"query":` });
  add('broken-json', 'empty body', ERR, { body: '' });
  add('broken-json', 'whitespace only', ERR, { body: ' \r\n\t ' });
  add('broken-json', 'a later duplicate key breaks it', ERR, { body: `{"query":"${viewerQuery}","query":"{ viewer {"}` });
  for (const depth of [1_000, 10_000, 100_000]) {
    add('broken-json', `arrays nested ${depth} deep in an ID variable`, ERR, {
      body: `{"query":"query($ids: [ID!]!) { nodes(ids: $ids) { id } }","variables":{"ids":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
    });
    add('broken-json', `objects nested ${depth} deep in an input`, ERR, {
      body: `{"query":${JSON.stringify(mutationDocument('createTeam'))},"variables":{"input":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`,
    });
  }

  // --- wrong content types ------------------------------------------------------------------
  const contentTypes = [
    'text/plain',
    'text/plain;charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'multipart/form-data',
    undefined,
    '',
    'application/graphql',
    'application/xml',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/octet-stream',
    'application/jsonp',
    'json',
    '*/*',
    'text/html',
    'image/png',
    'application/x-ndjson',
    `application/json; ${'x=y; '.repeat(400)}`,
  ];
  const contentBodies: [string, string | Buffer][] = [
    ['a broken JSON body', '{"query": "{ viewer { id }'],
    ['a query with an unknown field', JSON.stringify({ query: '{ viewer { nope } }' })],
    ['form fields without a query', 'variables=%7B%7D&operationName=x'],
    ['garbage bytes', Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7b, 0x22])],
    ['a multipart body with no parts', '--xyz--\r\n'],
    [
      'a multipart body whose operations are broken',
      '--xyz\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":\r\n--xyz--\r\n',
    ],
    ['a GraphQL document with a syntax error', '{ viewer { id '],
  ];
  for (const contentType of contentTypes) {
    for (const [label, body] of rng.sample(contentBodies, 3))
      add('content-type', `${String(contentType).slice(0, 40)}: ${label}`, ERR, { headers: { 'content-type': contentType }, body });
  }
  add('content-type', 'form-urlencoded with broken variables', ERR, {
    code: 'BAD_REQUEST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `query=${encodeURIComponent(viewerQuery)}&variables=%7B`,
  });
  add('content-type', 'form-urlencoded with broken extensions', ERR, {
    code: 'BAD_REQUEST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `query=${encodeURIComponent(viewerQuery)}&extensions=%5B`,
  });
  // A JSON body under a type it is not, and a correct type with a body for another one.
  add('content-type', 'text/plain with a valid JSON body', ERR, { headers: { 'content-type': 'text/plain' }, body: validBody });
  add('content-type', 'no content-type with a valid JSON body', ERR, { headers: { 'content-type': undefined }, body: validBody });
  add('content-type', 'application/xml with a valid JSON body', ERR, { headers: { 'content-type': 'application/xml' }, body: validBody });
  add('content-type', 'form-urlencoded with a JSON body', ERR, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: validBody,
  });
  add('content-type', 'application/graphql with a JSON body', ERR, { headers: { 'content-type': 'application/graphql' }, body: validBody });
  add('content-type', 'multipart with a JSON body', ERR, {
    headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
    body: validBody,
  });
  add('content-type', 'JSON with a form body', ERR, { body: `query=${encodeURIComponent(viewerQuery)}` });

  // --- wrong methods ------------------------------------------------------------------------
  const methodBodies: [string, string | undefined][] = [
    ['a query', validBody],
    ['a mutation', mutationBody],
    ['no body', undefined],
    ['a broken body', '{"query":'],
  ];
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    for (const [label, body] of methodBodies) {
      add('method', `${method} with ${label}`, ERR, { method, body });
      add('method', `${method} with ${label}, no token`, ERR, { method, body, headers: { authorization: undefined } });
    }
    add('method', `${method} with the query in the URL`, ERR, { method, path: `/graphql?query=${encodeURIComponent(viewerQuery)}` });
  }
  for (const method of ['PROPFIND', 'MKCOL', 'PURGE', 'TRACE', 'LINK', 'SEARCH']) add('method', method, ERR, { method, body: validBody });
  for (const method of ['BREW', 'GET\u00ff']) {
    add('method', `raw method ${JSON.stringify(method)}`, ERR, {
      raw: Buffer.from(`${method} /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, 'latin1'),
    });
  }

  // --- huge and deeply nested queries -------------------------------------------------------
  for (const depth of [13, 16, 20, 30, 50, 100, 200]) {
    let selection = 'id';
    for (let i = 0; i < depth; i++) selection = `team { members(first: 1) { edges { node { ${selection} } } } }`;
    gql('huge-query', `selection ${depth * 4} deep`, ERR, `{ viewer { memberships { ${selection} } } }`);
  }
  for (const depth of [500, 1_400, 5_000, 20_000])
    gql('huge-query', `unknown fields ${depth} deep`, ERR, `${'{ a '.repeat(depth)}${'}'.repeat(depth)}`);
  // Deeper than ~1,500 is over the token limit, or deeper than the recursive parser's stack: a syntax error either way.
  for (const depth of [300, 1_400, 2_000, 2_900, 2_999, 3_500, 5_000, 50_000]) {
    gql(
      'huge-query',
      `a list literal ${depth} deep`,
      ERR,
      `{ nodes(ids: ${'['.repeat(depth)}"x"${']'.repeat(depth)}) { id } }`,
      undefined,
      depth >= 2_000 ? { code: 'GRAPHQL_PARSE_FAILED' } : {},
    );
  }
  for (const depth of [300, 1_400, 5_000])
    gql(
      'huge-query',
      `an object literal ${depth} deep`,
      ERR,
      `mutation { createTeam(input: ${'{ name: '.repeat(depth)}"x"${' }'.repeat(depth)}) { __typename } }`,
    );
  for (const count of [3_001, 10_000, 100_000]) gql('huge-query', `${count} repeated fields`, ERR, `{ viewer { ${'id '.repeat(count)}} }`);
  for (const count of [600, 2_000]) {
    gql(
      'huge-query',
      `${count} operations in one document`,
      ERR,
      Array.from({ length: count }, (_, i) => `query Q${i} { viewer { id } }`).join('\n'),
      undefined,
      {
        body: JSON.stringify({
          query: Array.from({ length: count }, (_, i) => `query Q${i} { viewer { id } }`).join('\n'),
          operationName: `Q${count - 1}`,
        }),
      },
    );
  }
  gql('huge-query', 'a 900 kB comment before a syntax error', ERR, `# ${rng.string(900_000, ALNUM)}\n{ viewer { id }`);
  gql('huge-query', 'a 900 kB field name', ERR, `{ viewer { a${rng.string(900_000, ALNUM)} } }`);
  gql('huge-query', 'a 900 kB string argument', ['null', 'errors'], `{ team(id: "${rng.string(900_000, ALNUM)}") { id } }`);
  gql('huge-query', 'a 900 kB variable name', ERR, `query($${rng.string(900_000, 'abc')}: ID) { viewer { id } }`);
  for (let i = 0; i < 10; i++) {
    const width = rng.int(401, 3_000);
    gql(
      'huge-query',
      `${width} distinct aliased scalar fields`,
      ERR,
      `{ viewer { ${Array.from({ length: width }, (_, j) => `f${j}: id`).join(' ')} } }`,
    );
  }
  gql(
    'huge-query',
    'page sizes that multiply',
    ERR,
    `query($id: ID!) { team(id: $id) { secrets(first: 100) { edges { node { locations(first: 100) { edges { node { secret { versions(first: 100) { edges { cursor } } } } } } } } } } }`,
    { id: fx.teamId },
  );
  for (let i = 0; i < 8; i++) {
    const count = rng.int(3_001, 20_000);
    gql('huge-query', `${count} arguments`, ERR, `{ viewer(${Array.from({ length: count }, (_, j) => `a${j}: ${j}`).join(', ')}) { id } }`);
  }

  // --- alias bombs --------------------------------------------------------------------------
  for (let i = 0; i < 20; i++) {
    const count = rng.pick([21, 25, 50, 100, 500, 1_000, rng.int(21, 2_500)]);
    const field = rng.pick(['viewer { id }', 'secretPresets { slug }', `team(id: "${fx.teamId}") { id }`]);
    gql(
      'alias-bomb',
      `${count} aliases of ${field.split(' ')[0]}`,
      ERR,
      `{ ${Array.from({ length: count }, (_, j) => `a${j}: ${field}`).join(' ')} }`,
    );
  }
  // graphql-armor does not count aliases of __typename (they cost nothing); the token limit bounds them.
  for (const count of [1_001, 1_500, 5_000])
    gql(
      'alias-bomb',
      `${count} aliases of __typename`,
      ERR,
      `{ ${Array.from({ length: count }, (_, j) => `a${j}: __typename`).join(' ')} }`,
    );
  for (let i = 0; i < 6; i++) {
    const outer = rng.int(5, 40);
    const inner = rng.int(5, 40);
    gql(
      'alias-bomb',
      `${outer}×${inner} nested aliases`,
      ERR,
      `{ ${Array.from({ length: outer }, (_, j) => `o${j}: viewer { ${Array.from({ length: inner }, (_, k) => `i${k}: id`).join(' ')} }`).join(' ')} }`,
    );
  }
  for (let i = 0; i < 6; i++) {
    const count = rng.int(21, 200);
    const mutation = Array.from({ length: count }, (_, j) => `m${j}: createTeam(input: { name: "bomb ${j}" }) { __typename }`).join(' ');
    gql('alias-bomb', `${count} aliased createTeam mutations`, ERR, `mutation { ${mutation} }`);
  }
  for (let i = 0; i < 4; i++) {
    const count = rng.int(25, 400);
    gql(
      'alias-bomb',
      `${count} aliases through a fragment`,
      ERR,
      `{ viewer { ...F } } fragment F on Viewer { ${Array.from({ length: count }, (_, j) => `a${j}: email`).join(' ')} }`,
    );
  }
  for (let i = 0; i < 4; i++) {
    const count = rng.int(25, 400);
    gql(
      'alias-bomb',
      `${count} aliases of one name (conflicting fields)`,
      ERR,
      `{ viewer { ${Array.from({ length: count }, (_, j) => (j % 2 ? 'same: id' : 'same: email')).join(' ')} } }`,
    );
  }

  // --- fragment cycles and deeply nested fragments ------------------------------------------
  gql('fragments', 'a fragment spreading itself', ERR, '{ viewer { ...A } } fragment A on Viewer { id ...A }');
  for (let i = 0; i < 10; i++) {
    const length = rng.int(2, 200);
    const fragments = Array.from({ length }, (_, j) => `fragment F${j} on Viewer { id ...F${(j + 1) % length} }`).join('\n');
    gql('fragments', `a cycle of ${length} fragments`, ERR, `{ viewer { ...F0 } }\n${fragments}`);
  }
  gql(
    'fragments',
    'a cycle through inline fragments',
    ERR,
    '{ viewer { ...A } } fragment A on Viewer { ... on Viewer { ... on Viewer { ...B } } } fragment B on Viewer { ...A }',
  );
  gql(
    'fragments',
    'a cycle through a nested selection',
    ERR,
    '{ viewer { ...A } } fragment A on Viewer { memberships { team { members { edges { node { user { id } } } } } } memberships { user { ...B } } } fragment B on User { id ... on Viewer { ...A } }',
  );
  for (let i = 0; i < 10; i++) {
    const length = rng.int(4, 150);
    const fragments = Array.from({ length }, (_, j) =>
      j === length - 1
        ? `fragment F${j} on Membership { role }`
        : `fragment F${j} on Membership { team { members(first: 1) { edges { node { ...F${j + 1} } } } } }`,
    ).join('\n');
    gql('fragments', `${length} fragments nested 4 levels each`, ERR, `{ viewer { memberships { ...F0 } } }\n${fragments}`);
  }
  for (const levels of [10, 16, 20, 24, 30]) {
    const fragments = Array.from({ length: levels }, (_, j) =>
      j === 0 ? 'fragment F0 on Viewer { id email }' : `fragment F${j} on Viewer { ...F${j - 1} ...F${j - 1} }`,
    ).join('\n');
    gql(
      'fragments',
      `fragments doubling ${levels} times (2^${levels} spreads)`,
      ['errors', 'success'],
      `{ viewer { ...F${levels - 1} } }\n${fragments}`,
    );
  }
  for (const levels of [10, 20]) {
    const fragments = Array.from({ length: levels }, (_, j) =>
      j === 0 ? 'fragment F0 on Viewer { a: id }' : `fragment F${j} on Viewer { ...F${j - 1} a: email ...F${j - 1} }`,
    ).join('\n');
    gql('fragments', `conflicting doubling fragments ×${levels}`, ERR, `{ viewer { ...F${levels - 1} } }\n${fragments}`);
  }
  gql('fragments', 'an unknown fragment', ERR, '{ viewer { ...Nope } }');
  gql('fragments', 'a fragment on an unknown type', ERR, '{ viewer { ...A } } fragment A on Nope { id }');
  gql('fragments', 'a fragment on a scalar', ERR, '{ viewer { ...A } } fragment A on String { id }');
  gql('fragments', 'a fragment on an input type', ERR, '{ viewer { ...A } } fragment A on CreateTeamInput { name }');
  gql('fragments', 'an unused fragment', ERR, '{ viewer { id } } fragment A on Viewer { id }');
  gql('fragments', 'two fragments of one name', ERR, '{ viewer { ...A } } fragment A on Viewer { id } fragment A on Viewer { email }');
  gql('fragments', 'a fragment on an impossible type', ERR, '{ viewer { ...A } } fragment A on Team { id }');
  gql('fragments', 'an inline fragment on an impossible type', ERR, '{ viewer { ... on Secret { id } } }');
  for (let i = 0; i < 6; i++) {
    const depth = rng.int(13, 300);
    gql(
      'fragments',
      `inline fragments ${depth} deep around a deep selection`,
      ERR,
      `{ viewer { ${'... on Viewer { '.repeat(depth)}memberships { team { members { edges { node { team { members { edges { node { team { members { edges { node { role } } } } } } } } } } } } } ${'} '.repeat(depth)}} }`,
    );
  }
  for (let i = 0; i < 6; i++) {
    const count = rng.int(200, 3_000);
    gql(
      'fragments',
      `${count} fragment definitions`,
      ERR,
      `{ viewer { ...F0 } }\n${Array.from({ length: count }, (_, j) => `fragment F${j} on Viewer { id }`).join('\n')}`,
    );
  }

  // --- directive floods ---------------------------------------------------------------------
  for (let i = 0; i < 12; i++) {
    const count = rng.pick([21, 30, 100, 500, rng.int(21, 2_000)]);
    const directive = rng.pick(['@include(if: true)', '@skip(if: false)', '@nope', '@deprecated', '@oneOf', '@specifiedBy(url: "x")']);
    gql('directives', `${count}× ${directive}`, ERR, `{ viewer { id ${`${directive} `.repeat(count)}} }`);
  }
  for (let i = 0; i < 4; i++) {
    const count = rng.int(21, 400);
    gql(
      'directives',
      `${count} directives spread over fields`,
      ERR,
      `{ viewer { ${Array.from({ length: count }, () => 'id @include(if: true)').join(' ')} } }`,
    );
  }
  gql('directives', 'directives on the operation', ERR, `query ${'@include(if: true) '.repeat(25)}{ viewer { id } }`);
  gql(
    'directives',
    'directives on a fragment spread',
    ERR,
    `{ viewer { ...A ${'@skip(if: false) '.repeat(25)}} } fragment A on Viewer { id }`,
  );
  gql(
    'directives',
    'directives on a fragment definition',
    ERR,
    `{ viewer { ...A } } fragment A on Viewer ${'@skip(if: false) '.repeat(25)}{ id }`,
  );
  gql('directives', 'two @include on one field', ERR, '{ viewer { id @include(if: true) @include(if: true) } }');
  gql('directives', '@include without if', ERR, '{ viewer { id @include } }');
  gql('directives', '@include(if: "yes")', ERR, '{ viewer { id @include(if: "yes") } }');
  gql('directives', '@include(if: $v) with a string variable', ERR, 'query($v: String) { viewer { id @include(if: $v) } }', { v: 'true' });
  gql('directives', '@include(if: $v) with v = "yes"', ERR, 'query($v: Boolean!) { viewer { id @include(if: $v) } }', { v: 'yes' });
  gql('directives', '@skip with an unknown argument', ERR, '{ viewer { id @skip(if: false, unless: true) } }');
  gql('directives', '@deprecated on a query field', ERR, '{ viewer { id @deprecated(reason: "x") } }');
  gql('directives', 'an unknown directive', ERR, '{ viewer { id @defer } }');
  gql('directives', '@stream on a list', ERR, '{ viewer { memberships @stream(initialCount: 1) { role } } }');
  gql('directives', 'a directive on a variable definition', ERR, 'query($id: ID! @include(if: true)) { team(id: $id) { id } }', {
    id: fx.teamId,
  });
  for (let i = 0; i < 4; i++) {
    const count = rng.int(21, 300);
    gql(
      'directives',
      `${count} directives in a mutation`,
      ERR,
      `mutation { createTeam(input: { name: "d" }) ${'@include(if: true) '.repeat(count)}{ __typename } }`,
    );
  }

  // --- unknown fields, types and enum values ------------------------------------------------
  for (let i = 0; i < 10; i++) {
    const fieldName = `${rng.pick(['secret', 'password', 'admin', 'users', 'allTeams', 'node_', 'x'])}${rng.string(rng.int(0, 6))}`;
    const where = rng.pick([
      `{ ${fieldName} }`,
      `{ viewer { ${fieldName} } }`,
      `query($id: ID!) { team(id: $id) { ${fieldName} } }`,
      `mutation { ${fieldName}(input: {}) { __typename } }`,
    ]);
    gql('unknown-schema', `unknown field ${fieldName}`, ERR, where, where.includes('$id') ? { id: fx.teamId } : undefined);
  }
  for (const [label, query, variables] of [
    ['viewr (typo)', '{ viewr { id } }'],
    ['a field of another type', '{ viewer { slug } }'],
    ['a scalar with a selection', '{ viewer { id { x } } }'],
    ['an object without a selection', '{ viewer }'],
    ['an unknown argument', '{ viewer(x: 1) { id } }'],
    ['an unknown argument on a list', `{ team(id: "${fx.teamId}") { secrets(offset: 10) { edges { cursor } } } }`],
    ['an unknown variable type', 'query($x: Nope) { viewer { id } }', { x: 1 }],
    ['an input type used for output', '{ viewer { ... on CreateTeamInput { name } } }'],
    ['an object type as variable type', 'query($x: Team) { viewer { id } }', { x: {} }],
    ['a subscription', 'subscription { viewer { id } }'],
    ['a query field in a mutation', 'mutation { viewer { id } }'],
    ['a mutation field in a query', '{ createTeam(input: { name: "x" }) { __typename } }'],
    ['two anonymous operations', '{ viewer { id } } { viewer { email } }'],
    ['an anonymous and a named operation', '{ viewer { id } } query B { viewer { email } }'],
    ['named operations and no operationName', 'query A { viewer { id } } query B { viewer { email } }'],
    ['an undefined variable', '{ team(id: $id) { id } }', { id: fx.teamId }],
    ['an unused variable definition', 'query($id: ID) { viewer { id } }', { id: fx.teamId }],
    ['a variable defined twice', 'query($id: ID!, $id: ID!) { team(id: $id) { id } }', { id: fx.teamId }],
    ['an argument given twice', `{ team(id: "${fx.teamId}", id: "${fx.teamId}") { id } }`],
    ['a missing required argument', '{ team { id } }'],
    ['introspection of an unknown type', '{ __type(name: 1) { name } }'],
    ['__schema with an unknown field', '{ __schema { nope } }'],
  ] as [string, string, unknown?][]) {
    gql('unknown-schema', label, ERR, query, variables);
  }
  const enumCases: [string, string, Record<string, unknown>?][] = [
    ['an unknown SecretType literal', `{ team(id: "${fx.teamId}") { secrets(filter: { secretType: S4 }) { edges { cursor } } } }`],
    ['a lowercase SecretType literal', `{ team(id: "${fx.teamId}") { secrets(filter: { secretType: s3 }) { edges { cursor } } } }`],
    ['a string for an enum literal', `{ team(id: "${fx.teamId}") { secrets(filter: { secretType: "S3" }) { edges { cursor } } } }`],
    ['an unknown OrderField', `{ team(id: "${fx.teamId}") { secrets(orderBy: { field: SIZE }) { edges { cursor } } } }`],
    [
      'an unknown OrderDirection',
      `{ team(id: "${fx.teamId}") { locations(orderBy: { field: NAME, direction: UP }) { edges { cursor } } } }`,
    ],
    [
      'an unknown LocationType in a filter',
      `{ team(id: "${fx.teamId}") { locations(filter: { locationType: FTP }) { edges { cursor } } } }`,
    ],
    ['an unknown enum value in a variable', 'query($t: SecretType) { viewer { id } }', { t: 'NOPE' }],
    [
      'a number for an enum variable',
      `query($id: ID!, $t: SecretType) { team(id: $id) { secrets(filter: { secretType: $t }) { edges { cursor } } } }`,
      { id: fx.teamId, t: 3 },
    ],
    ['true for an enum literal', `{ team(id: "${fx.teamId}") { secrets(filter: { storage: true }) { edges { cursor } } } }`],
    ['null for a non-null enum', `{ team(id: "${fx.teamId}") { secrets(orderBy: { field: null }) { edges { cursor } } } }`],
    ['an unknown filter field', `{ team(id: "${fx.teamId}") { secrets(filter: { owner: "x" }) { edges { cursor } } } }`],
    ['an unknown AuditOutcome', `{ team(id: "${fx.teamId}") { auditEvents(filter: { outcome: MAYBE }) { edges { cursor } } } }`],
  ];
  for (const [label, query, variables] of enumCases) gql('unknown-schema', label, ERR, query, variables);
  for (const target of rng.sample(targets, 10)) {
    const input = target.input();
    mutate('unknown-schema', 'an unknown input field', target, { ...input, [`evil${rng.string(4)}`]: 1 }, ERR);
    const enumPath = Object.keys(input).find((key) => input[key] instanceof EnumValue);
    if (enumPath)
      mutate(
        'unknown-schema',
        `an unknown ${enumPath}`,
        target,
        { ...input, [enumPath]: rng.pick(['NOPE', 's3', '', 'S3 ', 'ENV\u0000']) },
        ERR,
      );
  }

  // --- wrong variable types -----------------------------------------------------------------
  for (const value of ['10', 'ten', '', true, {}, [], [1], 1.5, 2 ** 31, -(2 ** 31) - 1, { n: 1 }]) {
    gql('variable-types', `first = ${JSON.stringify(value)}`, ERR, firstQuery, { n: value });
  }
  for (const value of [{}, { id: fx.teamId }, [], [fx.teamId, fx.teamId], true, 1.5, null, [[fx.teamId]]]) {
    gql('variable-types', `ID! = ${JSON.stringify(value).slice(0, 40)}`, ERR, 'query($id: ID!) { team(id: $id) { id } }', { id: value });
  }
  gql('variable-types', 'a missing ID!', ERR, 'query($id: ID!) { team(id: $id) { id } }', {});
  gql('variable-types', 'ids: [null]', ERR, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [null] });
  gql('variable-types', 'ids: {}', ERR, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: {} });
  gql('variable-types', 'a String variable in an ID position', ERR, 'query($id: String!) { team(id: $id) { id } }', { id: fx.teamId });
  gql(
    'variable-types',
    'an Int variable in a String position',
    ERR,
    'query($after: Int) { viewer { apiTokens(after: $after) { edges { cursor } } } }',
    { after: 1 },
  );
  gql('variable-types', 'a nullable variable in a non-null position', ERR, 'query($id: ID) { team(id: $id) { id } }', { id: fx.teamId });
  gql('variable-types', 'a list variable in a scalar position', ERR, 'query($id: [ID!]) { team(id: $id) { id } }', { id: [fx.teamId] });
  const [s3Target, , , , , envTarget] = targets.filter((target) => target.field === 'createSecret');
  const createTeamTarget = targets.find((target) => target.field === 'createTeam')!;
  const vaultTarget = targets.find((target) => target.field === 'createVaultConnection')!;
  const tokenTarget = targets.find((target) => target.field === 'createApiToken')!;
  const memberTarget = targets.find((target) => target.field === 'addTeamMember')!;
  const renameTarget = targets.find((target) => target.label === 'updateSecret renameKeys')!;
  const removeTarget = targets.find((target) => target.label === 'updateSecret removeKeys')!;
  const addValuesTarget = targets.find((target) => target.label === 'updateSecret addValues')!;
  const rotateTarget = targets.find((target) => target.field === 'rotateSecret')!;
  const s3 = s3Target!.input();
  const env = envTarget!.input();
  const credentials = s3.credentials as Record<string, unknown>;
  const variableCases: [label: string, target: Target, input: unknown, outcomes?: readonly Outcome[]][] = [
    ['a list for a @oneOf', s3Target!, { ...s3, credentials: [credentials] }],
    ['two @oneOf members', s3Target!, { ...s3, credentials: { ...credentials, envVars: [{ key: 'A', value: 'b' }] } }],
    [
      'three @oneOf members',
      s3Target!,
      {
        ...s3,
        credentials: {
          ...credentials,
          azureSasUrl: { sasUrl: 'https://x/?sig=1' },
          b2ApplicationKey: { applicationKeyId: 'a', applicationKey: 'b' },
        },
      },
    ],
    ['a null @oneOf member', s3Target!, { ...s3, credentials: { accessKey: null } }],
    ['an empty @oneOf', s3Target!, { ...s3, credentials: {} }],
    ['a string for a @oneOf', s3Target!, { ...s3, credentials: 'accessKey' }],
    ['a @oneOf member with a missing field', s3Target!, { ...s3, credentials: { accessKey: { accessKeyId: 'AKIAXXXXXXXXXXXXXXXX' } } }],
    ['an Int for an enum', s3Target!, { ...s3, secretType: 3 }],
    ['an Int for a String', s3Target!, { ...s3, name: 12345 }],
    ['a Float for a String', s3Target!, { ...s3, name: 1.5 }],
    ['a Boolean for a String', s3Target!, { ...s3, name: true }],
    ['an object for a String', s3Target!, { ...s3, name: { text: 'x' } }],
    ['a list for a String', s3Target!, { ...s3, name: ['a', 'b'] }],
    ['an object for an ID', s3Target!, { ...s3, teamId: { id: fx.teamId } }],
    ['a list for an ID', s3Target!, { ...s3, teamId: [fx.teamId] }],
    ['a Boolean for an ID', s3Target!, { ...s3, teamId: true }],
    ['a Float for an ID', s3Target!, { ...s3, teamId: 1.5 }],
    ['null for a non-null ID', s3Target!, { ...s3, teamId: null }],
    ['a string for a Boolean', s3Target!, { ...s3, shared: 'yes' }],
    ['a string for envVars', envTarget!, { ...env, credentials: { envVars: 'A=b' } }],
    ['a null envVars item', envTarget!, { ...env, credentials: { envVars: [null] } }],
    ['an envVar without a key', envTarget!, { ...env, credentials: { envVars: [{ value: 'x' }] } }],
    ['an envVar with an extra field', envTarget!, { ...env, credentials: { envVars: [{ key: 'A', value: 'x', secret: true }] } }],
    ['a nested list of envVars', envTarget!, { ...env, credentials: { envVars: [[{ key: 'A', value: 'x' }]] } }],
    ['a null allowedWorkspaces item', envTarget!, { ...env, allowedWorkspaces: [null] }],
    ['a string for fieldMappings', s3Target!, { ...s3, fieldMappings: 'x' }],
    ['an empty fieldMapping', s3Target!, { ...s3, credentials: undefined, fieldMappings: [{}] }],
    [
      'two vault @oneOf members',
      vaultTarget,
      {
        ...vaultTarget.input(),
        credentials: { onePassword: { accessToken: 'ops_x' }, doppler: { accessToken: 'dp', project: 'p', config: 'c' } },
      },
    ],
    ['a list for the vault @oneOf', vaultTarget, { ...vaultTarget.input(), credentials: [{ onePassword: { accessToken: 'ops_x' } }] }],
    ['an object for removeKeys', removeTarget, { ...removeTarget.input(), removeKeys: { ALPHA: true } }],
    ['strings for renameKeys', renameTarget, { ...renameTarget.input(), renameKeys: ['ALPHA:GAMMA'] }],
    ['an Int for renameKeys.from', renameTarget, { ...renameTarget.input(), renameKeys: [{ from: 1, to: 'B' }] }],
    ['a nested list for addValues', addValuesTarget, { ...addValuesTarget.input(), addValues: [[{ key: 'A', value: 'b' }]] }],
    ['a string for expectedVersion', rotateTarget, { ...rotateTarget.input(), expectedVersion: '1' }],
    ['a Float for expectedVersion', rotateTarget, { ...rotateTarget.input(), expectedVersion: 1.5 }],
    ['an overflowing expectedVersion', rotateTarget, { ...rotateTarget.input(), expectedVersion: 2 ** 31 }],
    ['a lowercase role', memberTarget, { ...memberTarget.input(), role: 'owner' }],
    ['an unknown role', memberTarget, { ...memberTarget.input(), role: 'GOD' }],
    ['a word for a DateTime', tokenTarget, { name: 'x', expiresAt: 'tomorrow' }],
    ['a number for a DateTime', tokenTarget, { name: 'x', expiresAt: 1_700_000_000 }],
    ['an impossible DateTime', tokenTarget, { name: 'x', expiresAt: '2030-13-45T00:00:00Z' }],
    ['February 30th', tokenTarget, { name: 'x', expiresAt: '2030-02-30T00:00:00Z' }],
    ['a DateTime without a zone', tokenTarget, { name: 'x', expiresAt: '2030-01-01T00:00:00' }],
    ['an expanded-year DateTime', tokenTarget, { name: 'x', expiresAt: '+275760-09-13T00:00:00Z' }],
    ['a DateTime in the past', tokenTarget, { name: 'x', expiresAt: '2001-01-01T00:00:00Z' }, ['typed']],
    ['the year 0', tokenTarget, { name: 'x', expiresAt: '0000-01-01T00:00:00Z' }, ['typed', 'errors']],
    ['an unknown scope', tokenTarget, { name: 'x', scopes: ['GOD'] }],
    ['null for the input', createTeamTarget, null],
    ['a string for the input', createTeamTarget, 'createTeam'],
    ['a list for the input', createTeamTarget, [createTeamTarget.input()]],
    ['a number for the input', createTeamTarget, 7],
  ];
  for (const [label, target, input, outcomes] of variableCases) mutate('variable-types', label, target, input, outcomes ?? ERR);
  gql('variable-types', 'no variables for a required input', ERR, mutationDocument('createTeam'), {});
  gql('variable-types', 'variables for another operation', ERR, mutationDocument('createTeam'), { id: fx.teamId });
  for (const since of [
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    'yesterday',
    '2020-02-30T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
  ]) {
    gql(
      'variable-types',
      `auditEvents since ${since}`,
      since.startsWith('0000') || since.startsWith('9999') ? ['errors', 'success'] : ERR,
      'query($id: ID!, $since: DateTime) { team(id: $id) { auditEvents(first: 1, filter: { since: $since, until: $since }) { edges { cursor } } } }',
      { id: fx.teamId, since },
    );
  }

  // --- oversized strings, and a body over the limit -----------------------------------------
  for (const target of targets) {
    for (const path of target.strings) {
      const length = oversizedLength(path);
      const input = setAt(clone(target.input()), path, rng.string(length, length > 100_000 ? ALNUM : MIXED));
      mutate('oversized-strings', `${path.join('.')} of ${length} characters`, target, input, TYPED, 'ValidationError');
      if (length <= 100_000 && rng.chance(0.3))
        mutateLiteral('oversized-strings', `${path.join('.')} of ${length} characters`, target, input, TYPED, 'ValidationError');
    }
  }
  for (const target of rng.sample(
    targets.filter((t) => t.strings.some((path) => path[0] === 'credentials')),
    4,
  )) {
    const path = target.strings.find((p) => p[0] === 'credentials')!;
    gql(
      'oversized-strings',
      `${target.label}: ${path.join('.')} of 1.1 MB (over the body limit)`,
      ERR,
      mutationDocument(target.field),
      { input: setAt(clone(target.input()), path, rng.string(1_100_000, ALNUM)) },
      { code: 'PAYLOAD_TOO_LARGE' },
    );
  }
  add('oversized-strings', 'a 2 MB body sent chunked (no Content-Length)', ERR, {
    code: 'PAYLOAD_TOO_LARGE',
    chunked: true,
    body: JSON.stringify({ query: mutationDocument('createTeam'), variables: { input: { name: rng.string(2_000_000, ALNUM) } } }),
  });
  add('oversized-strings', 'a 500 kB name sent chunked', TYPED, {
    chunked: true,
    body: JSON.stringify({ query: mutationDocument('createTeam'), variables: { input: { name: rng.string(500_000, ALNUM) } } }),
  });
  add('oversized-strings', 'a lying Content-Length over the limit', ERR, {
    code: 'PAYLOAD_TOO_LARGE',
    raw: Buffer.from(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${fx.token}\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT * 5}\r\n\r\n${validBody}`,
    ),
  });
  add('oversized-strings', 'an 8 MB variables object of many keys, chunked', ERR, {
    code: 'PAYLOAD_TOO_LARGE',
    chunked: true,
    body: JSON.stringify({ query: viewerQuery, variables: Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i])) }),
  });
  add('oversized-strings', 'a 20 kB URL', ERR, {
    method: 'GET',
    path: `/graphql?query=${'%20'.repeat(7_000)}${encodeURIComponent(viewerQuery)}`,
  });
  add('oversized-strings', 'a 40 kB header', ERR, { headers: { 'x-padding': rng.string(40_000, ALNUM) }, body: validBody });
  add('oversized-strings', 'a 900 kB operationName', ERR, {
    body: JSON.stringify({ query: viewerQuery, operationName: rng.string(900_000, ALNUM) }),
  });
  add('oversized-strings', 'a 10k-item ids list', ERR, {
    body: JSON.stringify({
      query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      variables: { ids: Array.from({ length: 10_000 }, () => rng.uuid()) },
    }),
  });
  // 100,000 KEY_NOT_FOUND field errors would be an answer of more than 10 MB: refused whole (RESPONSE_TOO_LARGE).
  add('oversized-strings', 'a 100k-item removeKeys list', ['typed', 'errors'], {
    body: JSON.stringify({
      query: mutationDocument('updateSecret'),
      variables: { input: { id: fx.envSecretId, removeKeys: Array.from({ length: 100_000 }, (_, i) => `K${i}`) } },
    }),
  });
  add('oversized-strings', '201 envVars', TYPED, {
    body: JSON.stringify({
      query: mutationDocument('createSecret'),
      variables: {
        input: {
          ...env,
          secretType: 'ENV',
          credentials: { envVars: Array.from({ length: 201 }, (_, i) => ({ key: `K${i}`, value: 'v' })) },
        },
      },
    }),
  });
  add('oversized-strings', '20 envVars of 45,001 characters', TYPED, {
    body: JSON.stringify({
      query: mutationDocument('createSecret'),
      variables: {
        input: {
          ...env,
          secretType: 'ENV',
          credentials: { envVars: Array.from({ length: 20 }, (_, i) => ({ key: `K${i}`, value: 'v'.repeat(45_001) })) },
        },
      },
    }),
  });
  add('oversized-strings', 'a 50k-character search', ['errors', 'success'], {
    body: JSON.stringify({
      query: `query($id: ID!, $s: String) { team(id: $id) { secrets(filter: { search: $s }) { edges { cursor } } } }`,
      variables: { id: fx.teamId, s: rng.string(50_000, MIXED) },
    }),
  });
  // No secret has such a name: { team: { secretByName: null } }.
  add('oversized-strings', 'a 50k-character secretByName', ['errors', 'success'], {
    body: JSON.stringify({
      query: `query($id: ID!, $s: String!) { team(id: $id) { secretByName(name: $s) { id } } }`,
      variables: { id: fx.teamId, s: rng.string(50_000, MIXED) },
    }),
  });

  // --- invalid UTF-8 in bodies and headers --------------------------------------------------
  const invalidSequences = [
    [0xff],
    [0xfe],
    [0xc3, 0x28],
    [0xa0, 0xa1],
    [0xe2, 0x28, 0xa1],
    [0xe2, 0x82, 0x28],
    [0xf0, 0x28, 0x8c, 0xbc],
    [0xc0, 0xaf],
    [0xe0, 0x80, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
    [0xe2, 0x82],
  ];
  const withBytes = (before: string, bytes: number[], after: string) =>
    Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(bytes), Buffer.from(after, 'utf8')]);
  for (const bytes of invalidSequences) {
    const hex = Buffer.from(bytes).toString('hex');
    const placement = rng.int(0, 5);
    if (placement === 0)
      add('invalid-utf8', `${hex} between JSON tokens`, ERR, { body: withBytes('{"query":', bytes, `"${viewerQuery}"}`) });
    if (placement === 1)
      add('invalid-utf8', `${hex} in a field name`, ERR, { body: withBytes('{"query":"{ viewer { i', bytes, 'd } }"}') });
    if (placement === 2)
      add('invalid-utf8', `${hex} in a slug`, TYPED, {
        body: withBytes(
          `{"query":${JSON.stringify(mutationDocument('createTeam'))},"variables":{"input":{"name":"utf8","slug":"s`,
          bytes,
          'x"}}}',
        ),
      });
    if (placement === 3)
      add('invalid-utf8', `${hex} in an env key`, TYPED, {
        body: withBytes(
          `{"query":${JSON.stringify(mutationDocument('updateSecret'))},"variables":{"input":{"id":"${fx.envSecretId}","addValues":[{"key":"K`,
          bytes,
          '","value":"v"}]}}}',
        ),
      });
    if (placement === 4)
      add('invalid-utf8', `${hex} in a global id`, TYPED, {
        body: withBytes(
          `{"query":${JSON.stringify(mutationDocument('deleteLocation'))},"variables":{"input":{"id":"`,
          bytes,
          `${fx.locationId}"}}}`,
        ),
      });
    if (placement === 5) add('invalid-utf8', `${hex} at the end`, ERR, { body: withBytes(validBody.slice(0, -2), bytes, '') });
    add('invalid-utf8', `${hex} in an email`, TYPED, {
      body: withBytes(
        `{"query":${JSON.stringify(mutationDocument('addTeamMember'))},"variables":{"input":{"teamId":"${fx.teamId}","role":"VIEWER","email":"a`,
        bytes,
        '@@example.test"}}}',
      ),
    });
    add('invalid-utf8', `${hex} in a GraphQL string literal`, TYPED, {
      body: withBytes(
        '{"query":"mutation { createTeam(input: { name: \\"u\\", slug: \\"',
        bytes,
        '\\" }) { __typename ... on Error { code message } ... on ValidationError { fieldErrors { path message code } } } }"}',
      ),
    });
  }
  const latin1 = (length: number) => Array.from({ length }, () => String.fromCharCode(rng.int(0x80, 0xff))).join('');
  add('invalid-utf8', 'authorization with 8-bit bytes', ERR, {
    headers: { authorization: `Bearer crm_${latin1(16)}_${latin1(43)}` },
    body: validBody,
  });
  add('invalid-utf8', 'authorization scheme with 8-bit bytes', ERR, {
    headers: { authorization: `B\u00e9arer ${fx.token}` },
    body: validBody,
  });
  add('invalid-utf8', 'a token with one 8-bit byte', ERR, {
    headers: { authorization: `Bearer ${fx.token.slice(0, -1)}\u00ff` },
    body: validBody,
  });
  for (const header of ['user-agent', 'origin', 'x-forwarded-for', 'accept', 'x-request-id', 'accept-language', 'referer']) {
    // An Accept of nothing Yoga can produce is a 406.
    add('invalid-utf8', `${header} with 8-bit bytes on a refused mutation`, header === 'accept' ? ['typed', 'errors'] : TYPED, {
      headers: { [header]: latin1(rng.int(1, 200)), authorization: `Bearer ${fx.viewerToken}` },
      body: JSON.stringify({
        query: mutationDocument('createLocation'),
        variables: { input: targets.find((t) => t.field === 'createLocation')!.input() },
      }),
    });
  }
  add('invalid-utf8', 'a content-type of 8-bit bytes', ERR, { headers: { 'content-type': latin1(30) }, body: validBody });
  add('invalid-utf8', 'an 8 kB user-agent of 8-bit bytes on a denied mutation', TYPED, {
    headers: { 'user-agent': latin1(8_000), authorization: `Bearer ${fx.viewerToken}` },
    body: JSON.stringify({ query: mutationDocument('createWorkspace'), variables: { input: { teamId: fx.teamId, name: 'ua' } } }),
  });
  const rawRequest = (headerLines: string[], body = validBody) =>
    Buffer.concat([
      Buffer.from(`POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n`),
      ...headerLines.map((line) => Buffer.from(`${line}\r\n`, 'latin1')),
      Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`),
    ]);
  add('invalid-utf8', 'raw: a NUL in the authorization header', ERR, { raw: rawRequest([`Authorization: Bearer ${fx.token}\u0000`]) });
  add('invalid-utf8', 'raw: a NUL in a header name', ERR, { raw: rawRequest([`Authorization: Bearer ${fx.token}`, 'X-A\u0000b: 1']) });
  add('invalid-utf8', 'raw: a bare CR in a header', ERR, { raw: rawRequest([`Authorization: Bearer ${fx.token}`, 'User-Agent: a\rb']) });
  add('invalid-utf8', 'raw: an obsolete folded header', ERR, { raw: rawRequest([`Authorization: Bearer`, ` ${fx.token}`]) });
  add('invalid-utf8', 'raw: UTF-8 bytes in a header name', ERR, {
    raw: rawRequest([`Authorization: Bearer ${fx.token}`, 'X-\u00c3\u00a9: 1']),
  });
  add('invalid-utf8', 'raw: invalid UTF-8 in the path', ERR, {
    raw: Buffer.concat([
      Buffer.from('GET /graphql?query='),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(` HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${fx.token}\r\n\r\n`),
    ]),
  });
  add('invalid-utf8', 'raw: two Content-Length headers', ERR, {
    raw: rawRequest([`Authorization: Bearer ${fx.token}`, 'Content-Length: 3']),
  });
  add('invalid-utf8', 'raw: Content-Length and chunked', ERR, {
    raw: rawRequest([`Authorization: Bearer ${fx.token}`, 'Transfer-Encoding: chunked']),
  });

  // --- NUL characters in every string, id and key -------------------------------------------
  const withNul = (value: string) => {
    const at = rng.pick([0, value.length, rng.int(0, value.length)]);
    return `${value.slice(0, at)}\u0000${value.slice(at)}`;
  };
  for (const target of targets) {
    for (const path of target.strings) {
      for (const send of [mutate, mutateLiteral]) {
        const input = target.input();
        send('null-bytes', `NUL in ${path.join('.')}`, target, setAt(input, path, withNul(String(getAt(input, path)))), TYPED, {
          typename: 'ValidationError',
          fieldPath: ['input', ...path.map(String)],
        });
      }
    }
    for (const path of target.ids) {
      const input = target.input();
      mutate(
        'null-bytes',
        `NUL in the id ${path.join('.')}`,
        target,
        setAt(clone(input), path, withNul(String(getAt(input, path)))),
        TYPED,
      );
      const typename = typenameOfIdPath(target, path);
      mutate(
        'null-bytes',
        `NUL inside the decoded id ${path.join('.')}`,
        target,
        setAt(clone(input), path, b64(`${typename}:${rng.uuid()}\u0000`)),
        TYPED,
      );
    }
  }
  const gcs = targets.find((target) => target.label === 'createSecret GCS')!;
  for (const key of ['client_email', 'project_id', 'private_key', 'type']) {
    const input = gcs.input();
    const json = JSON.parse(getAt(input, ['credentials', 'gcsServiceAccount', 'serviceAccountJson']) as string) as Record<string, string>;
    json[key] = key === 'client_email' ? `a\u0000b@mf-project.iam.gserviceaccount.com` : withNul(json[key]!);
    // The argument holds the six characters \u0000, not a NUL: the key file is only ever stored encrypted.
    mutate(
      'null-bytes',
      `an escaped NUL in the service account's ${key}`,
      gcs,
      setAt(input, ['credentials', 'gcsServiceAccount', 'serviceAccountJson'], JSON.stringify(json)),
      ['typed', 'success'],
    );
  }
  const nulQueries: [string, string, Record<string, unknown>][] = [
    ['team(id) with a NUL', 'query($id: ID!) { team(id: $id) { id } }', { id: `${fx.teamId}\u0000` }],
    ['node(id) with a NUL', 'query($id: ID!) { node(id: $id) { id } }', { id: `\u0000${fx.s3SecretId}` }],
    [
      'nodes(ids) with a NUL',
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: [fx.s3SecretId.slice(0, 4) + '\u0000' + fx.s3SecretId.slice(4)] },
    ],
    ['node(id) decoding to a NUL', 'query($id: ID!) { node(id: $id) { id } }', { id: b64(`Secret:\u0000${rng.uuid()}`) }],
    ['node(id) of a NUL type', 'query($id: ID!) { node(id: $id) { id } }', { id: b64(`Sec\u0000ret:${rng.uuid()}`) }],
  ];
  for (const [label, query, variables] of nulQueries) gql('null-bytes', label, ['null', 'errors'], query, variables);
  const nulFilters: [string, string, Record<string, unknown>][] = [
    ['secretByName with a NUL', 'query($id: ID!, $s: String!) { team(id: $id) { secretByName(name: $s) { id } } }', { s: 'fx-\u0000s3' }],
    [
      'secrets search with a NUL',
      'query($id: ID!, $s: String) { team(id: $id) { secrets(filter: { search: $s }) { edges { cursor } } } }',
      { s: 'a\u0000' },
    ],
    [
      'secrets serviceSlug filter with a NUL',
      'query($id: ID!, $s: String) { team(id: $id) { secrets(filter: { serviceSlug: $s }) { edges { cursor } } } }',
      { s: '\u0000' },
    ],
    [
      'locations search with a NUL',
      'query($id: ID!, $s: String) { team(id: $id) { locations(filter: { search: $s }) { edges { cursor } } } }',
      { s: 'fx\u0000' },
    ],
    [
      'audit action filter with a NUL',
      'query($id: ID!, $s: String) { team(id: $id) { auditEvents(filter: { action: $s }) { edges { cursor } } } }',
      { s: 'secret.\u0000created' },
    ],
    [
      'audit actorId filter with a NUL',
      'query($id: ID!, $s: ID) { team(id: $id) { auditEvents(filter: { actorId: $s }) { edges { cursor } } } }',
      { s: `${fx.ownerId}\u0000` },
    ],
    [
      'audit targetId filter with a NUL',
      'query($id: ID!, $s: ID) { team(id: $id) { auditEvents(filter: { targetId: $s }) { edges { cursor } } } }',
      { s: `${fx.s3SecretId}\u0000` },
    ],
    [
      'availableSecrets search with a NUL',
      'query($id: ID!, $s: String) { node(id: $id) { ... on Workspace { availableSecrets(filter: { search: $s }) { edges { cursor } } } } }',
      { s: '\u0000\u0000' },
    ],
  ];
  for (const [label, query, variables] of nulFilters) {
    const id = label.startsWith('availableSecrets') ? fx.workspaceId : fx.teamId;
    gql('null-bytes', label, ERR, query, { id, ...variables }, { code: 'BAD_USER_INPUT' });
    gql(
      'null-bytes',
      `${label} (literal)`,
      ERR,
      query
        .replace(/^query\([^)]*\)/, '')
        .replaceAll('$id', JSON.stringify(id))
        .replaceAll('$s', literal(variables.s)),
      undefined,
      { code: 'BAD_USER_INPUT' },
    );
  }
  gql('null-bytes', 'a NUL in operationName', ERR, 'query A { viewer { id } }', undefined, {
    body: JSON.stringify({ query: 'query A { viewer { id } }', operationName: 'A\u0000' }),
  });
  gql('null-bytes', 'a NUL in a variable name key', ERR, mutationDocument('createTeam'), { 'in\u0000put': { name: 'x' } });
  gql('null-bytes', 'a NUL in an input field name', ERR, mutationDocument('createTeam'), { input: { name: 'x', 'sl\u0000ug': 'x' } });
  gql('null-bytes', 'a raw NUL in the document', ERR, '{ viewer { id \u0000 } }');
  // graphql-js takes a raw NUL inside a string literal: the argument check refuses it.
  gql('null-bytes', 'a raw NUL in a string literal', TYPED, `mutation { createTeam(input: { name: "a\u0000b" }) ${RESULT} }`, undefined, {
    typename: 'ValidationError',
  });
  gql('null-bytes', 'a NUL in an enum variable', ERR, mutationDocument('addTeamMember'), {
    input: { teamId: fx.teamId, email: 'n@example.test', role: 'VIEWER\u0000' },
  });
  gql('null-bytes', 'a NUL in a DateTime', ERR, mutationDocument('createApiToken'), {
    input: { name: 'n', expiresAt: '2030-01-01T00:00:00Z\u0000' },
  });

  // --- invalid global ids -------------------------------------------------------------------
  const otherTypes = [
    'Team',
    'User',
    'Secret',
    'Location',
    'VaultConnection',
    'Workspace',
    'ApiToken',
    'AuditEvent',
    'Membership',
    'Nope',
    'team',
    '',
  ];
  const badId = (typename: string): [string, string] => {
    const kind = rng.int(0, 15);
    switch (kind) {
      case 0:
        return ['random base64', rng.bytes(rng.int(1, 48)).toString('base64')];
      case 1: {
        const other = rng.pick(otherTypes.filter((t) => t !== typename));
        return [`a ${other || 'typeless'} id`, b64(`${other}:${rng.uuid()}`)];
      }
      case 2:
        return ['a non-uuid', b64(`${typename}:${rng.string(rng.int(0, 40), MIXED)}`)];
      case 3:
        return ['an unknown uuid', b64(`${typename}:${rng.uuid()}`)];
      case 4:
        return ['unpadded base64url', b64url(`${typename}:${rng.uuid()}`).replace(/=+$/, '')];
      case 5:
        return ['not base64', rng.string(rng.int(1, 60), MIXED)];
      case 6:
        return ['an empty string', ''];
      case 7:
        return ['a 20k-character id', b64(`${typename}:`) + rng.string(20_000, ALNUM)];
      case 8:
        return ["another team's", b64(`${typename}:${fx.otherTeamRawId}`)];
      case 9:
        return ['two uuids', b64(`${typename}:${rng.uuid()}:${rng.uuid()}`)];
      case 10:
        return ['SQL in the id', b64(`${typename}:' OR '1'='1`)];
      case 11:
        return ['a bare uuid', rng.uuid()];
      case 12:
        return ['a type without an id', b64(`${typename}:`)];
      case 13:
        return ['an id without a type', b64(`:${rng.uuid()}`)];
      case 14:
        return ['whitespace around an id', ` ${b64(`${typename}:${rng.uuid()}`)}\n`];
      default:
        return ['an emoji', '🙂'.repeat(rng.int(1, 10))];
    }
  };
  for (const target of targets) {
    for (const path of target.ids) {
      for (let i = 0; i < 4; i++) {
        const [label, id] = badId(typenameOfIdPath(target, path));
        mutate('global-ids', `${path.join('.')}: ${label}`, target, setAt(clone(target.input()), path, id), TYPED);
      }
    }
  }
  for (let i = 0; i < 40; i++) {
    const typename = rng.pick(['Team', 'Secret', 'Location', 'VaultConnection', 'Workspace', 'User']);
    const [label, id] = badId(typename);
    const which = rng.int(0, 3);
    if (which === 0)
      gql('global-ids', `node(id): ${label}`, ['null', 'errors'], 'query($id: ID!) { node(id: $id) { id __typename } }', { id });
    if (which === 1)
      gql('global-ids', `nodes(ids): ${label}`, ['null', 'errors'], 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
        ids: [id, badId(typename)[1]],
      });
    if (which === 2)
      gql('global-ids', `team(id): ${label}`, ['null', 'errors'], 'query($id: ID!) { team(id: $id) { id } }', {
        id: typename === 'Team' ? id : badId('Team')[1],
      });
    if (which === 3) gql('global-ids', `node(id) literal: ${label}`, ['null', 'errors'], `{ node(id: ${JSON.stringify(id)}) { id } }`);
  }

  // --- invalid cursors ----------------------------------------------------------------------
  const cursorFor = (key: unknown) => b64url(JSON.stringify(key));
  const generic = (): [string, string, Outcome[]?][] => [
    ['random base64url', b64url(rng.bytes(rng.int(1, 60)))],
    ['not base64', `!!${rng.string(10, MIXED)}`],
    ['[]', cursorFor([])],
    ['{}', cursorFor({})],
    ['null', cursorFor(null)],
    ['one element', cursorFor(['a'])],
    ['a number and a uuid', cursorFor([1, rng.uuid()])],
    ['a non-uuid id', cursorFor(['a', 'not-a-uuid'])],
    ['three elements', cursorFor(['a', rng.uuid(), 3])],
    ['nested arrays', b64url(`${'['.repeat(50_000)}${']'.repeat(50_000)}`)],
    ['invalid UTF-8 inside', b64url(Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]))],
    ['100 kB', b64url(rng.string(100_000, ALNUM))],
  ];
  const dangerous: Record<'text' | 'timestamp' | 'integer' | 'bigint', [string, string, Outcome[]?][]> = {
    text: [
      ['a NUL sort value', cursorFor(['\u0000', rng.uuid()])],
      ['a sort value with a NUL inside', cursorFor(['fx\u0000z', rng.uuid()])],
      // Encoded as U+FFFD on the way to SQL: a name like any other, not an error.
      ['a lone surrogate', cursorFor(['\ud800', rng.uuid()]), ['errors', 'success']],
      ['1001 characters', cursorFor(['a'.repeat(1001), rng.uuid()])],
    ],
    timestamp: [
      ['the timestamp "1"', cursorFor(['1', rng.uuid()])],
      ['the timestamp "March 7"', cursorFor(['March 7', rng.uuid()])],
      ['February 30th', cursorFor(['2020-02-30T00:00:00.000Z', rng.uuid()])],
      ['the year -271821', cursorFor(['-271821-04-20T00:00:00.000Z', rng.uuid()])],
      ['the year +275760', cursorFor(['+275760-09-13T00:00:00.000Z', rng.uuid()])],
      ['a name for a timestamp', cursorFor(['fx-s3', rng.uuid()])],
      ['a NUL timestamp', cursorFor(['2020-01-01T00:00:00.000Z\u0000', rng.uuid()])],
    ],
    integer: [
      ['an int4 overflow', cursorFor(['2147483648', rng.uuid()])],
      ['a much larger number', cursorFor(['999999999999999999', rng.uuid()])],
      ['a negative number', cursorFor(['-1', rng.uuid()])],
      ['a float', cursorFor(['1.5', rng.uuid()])],
      ['a NUL number', cursorFor(['1\u0000', rng.uuid()])],
    ],
    bigint: [
      ['an int8 overflow', cursorFor(['99999999999999999999', rng.uuid()])],
      ['a negative number', cursorFor(['-1', rng.uuid()])],
      ['an exponent', cursorFor(['1e5', rng.uuid()])],
      ['a NUL number', cursorFor(['1\u0000', rng.uuid()])],
    ],
  };
  for (const list of lists) {
    for (const [label, cursor, outcomes] of [...dangerous[list.kind], ...rng.sample(generic(), 3)]) {
      gql('cursors', `${list.label}: ${label}`, outcomes ?? ERR, list.query, { id: list.id, first: 2, after: cursor });
    }
    // A `before` cursor is decoded exactly like `after`: the same dangerous values, paging backward.
    for (const [label, cursor, outcomes] of dangerous[list.kind]) {
      gql(
        'cursors',
        `${list.label}: ${label} (before)`,
        outcomes ?? ERR,
        list.query.replace('first: $first, after: $after', 'last: $first, before: $after'),
        { id: list.id, first: 2, after: cursor },
      );
    }
  }

  // --- first: negative, huge, float; with last ---------------------------------------------------
  for (const list of lists) {
    for (const first of rng.sample([-1, -100, 101, 1_000, 2 ** 31 - 1, -(2 ** 31)], 3))
      gql('first', `${list.label}: first ${first}`, ERR, list.query, { id: list.id, first });
    const literalFirst = rng.pick(['1.5', '1e3', '"10"', 'true', '-0.0', '[1]', '{}', 'FIRST', '99999999999']);
    gql(
      'first',
      `${list.label}: first ${literalFirst} (literal)`,
      ERR,
      list.query.replace('first: $first', `first: ${literalFirst}`).replace(', $first: Int', ''),
      { id: list.id },
    );
    gql('first', `${list.label}: first with last`, ERR, list.query.replace('first: $first', 'first: $first, last: $first'), {
      id: list.id,
      first: 2,
    });
  }
  gql('first', 'a garbage before without last', ERR, `query($id: ID!) { team(id: $id) { secrets(before: "x") { edges { cursor } } } }`, {
    id: fx.teamId,
  });

  // --- GET with a mutation, and broken GET requests -------------------------------------------
  const get = (label: string, params: string, init: Omit<Probe, 'category' | 'label' | 'expect'> = {}) =>
    add('get-mutation', label, ERR, {
      method: 'GET',
      path: `/graphql?${params}`,
      ...init,
      headers: { 'content-type': undefined, ...init.headers },
    });
  for (const target of rng.sample(targets, 12)) {
    const document = `mutation { ${target.field}(input: ${literal(target.input())}) ${RESULT} }`;
    get(`GET ${target.label}`, `query=${encodeURIComponent(document)}`);
  }
  get(
    'GET a mutation chosen by operationName',
    `query=${encodeURIComponent('query A { viewer { id } } mutation B { createTeam(input: { name: "get" }) { __typename } }')}&operationName=B`,
  );
  get(
    'GET a mutation with variables',
    `query=${encodeURIComponent(mutationDocument('createTeam'))}&variables=${encodeURIComponent(JSON.stringify({ input: { name: 'get' } }))}`,
  );
  get('GET a mutation without a token', `query=${encodeURIComponent('mutation { createTeam(input: { name: "get" }) { __typename } }')}`, {
    headers: { authorization: undefined },
  });
  get(
    'GET a mutation with the CSRF header only',
    `query=${encodeURIComponent('mutation { createTeam(input: { name: "get" }) { __typename } }')}`,
    { headers: { authorization: undefined, 'x-graphql-yoga-csrf': '1' } },
  );
  get('GET with broken variables', `query=${encodeURIComponent(viewerQuery)}&variables=%7B`, { code: 'BAD_REQUEST' });
  get('GET with variables that are a list', `query=${encodeURIComponent(viewerQuery)}&variables=%5B1%5D`);
  get('GET with broken extensions', `query=${encodeURIComponent(viewerQuery)}&extensions=%7Bx`, { code: 'BAD_REQUEST' });
  get('GET with an empty query', 'query=');
  get('GET with no query', 'variables=%7B%7D');
  get('GET with bad percent-encoding', 'query=%zz%');
  get('GET with percent-encoded invalid UTF-8', 'query=%ff%fe%7B');
  get('GET with percent-encoded NUL', 'query=%7B%00viewer%7Bid%7D%7D');
  get('GET with a syntax error', `query=${encodeURIComponent('{ viewer { id')}`);
  get('GET a subscription', `query=${encodeURIComponent('subscription { viewer { id } }')}`);
  get('GET with an unknown operationName', `query=${encodeURIComponent(viewerQuery)}&operationName=Nope`);
  get('GET with the JSON body of a POST', '', { body: validBody });
  add('get-mutation', 'HEAD with a mutation', ERR, {
    method: 'HEAD',
    path: `/graphql?query=${encodeURIComponent('mutation { createTeam(input: { name: "head" }) { __typename } }')}`,
  });

  // --- batched arrays of operations ---------------------------------------------------------
  const batch = (label: string, items: unknown[]) => add('batched', label, ERR, { body: JSON.stringify(items) });
  batch('two queries', [{ query: viewerQuery }, { query: viewerQuery }]);
  batch('one query', [{ query: viewerQuery }]);
  batch('an empty array', []);
  batch('a query and null', [{ query: viewerQuery }, null]);
  batch('nested arrays', [[{ query: viewerQuery }]]);
  batch('two mutations', [
    { query: mutationDocument('createTeam'), variables: { input: { name: 'batch a' } } },
    { query: mutationDocument('createTeam'), variables: { input: { name: 'batch b' } } },
  ]);
  for (const size of [10, 100, 1_000, 10_000])
    batch(
      `${size} queries`,
      Array.from({ length: size }, () => ({ query: viewerQuery })),
    );
  for (let i = 0; i < 8; i++) {
    const size = rng.int(2, 50);
    batch(
      `${size} mixed operations`,
      Array.from({ length: size }, () =>
        rng.pick<unknown>([
          { query: viewerQuery },
          { query: '{ nope }' },
          { query: mutationDocument('createTeam'), variables: { input: { name: '' } } },
          'x',
          1,
          {},
        ]),
      ),
    );
  }
  add('batched', 'a batch under application/graphql-response+json', ERR, {
    headers: { accept: 'application/graphql-response+json' },
    body: JSON.stringify([{ query: viewerQuery }, { query: viewerQuery }]),
  });
  add('batched', 'a batch in a GET', ERR, {
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(JSON.stringify([{ query: viewerQuery }]))}`,
    headers: { 'content-type': undefined },
  });

  // --- missing, invalid and expired tokens; Authorization variants ----------------------------
  const withAuth = (
    label: string,
    authorization: string | string[] | undefined,
    expectOutcome: readonly Outcome[] = ERR,
    body = validBody,
  ) => add('auth', label, expectOutcome, { headers: { authorization }, body });
  const [lookupPart, secretPart] = [fx.token.slice(4, 20), fx.token.slice(21)];
  const authVariants: [string, string | string[] | undefined][] = [
    ['no Authorization', undefined],
    ['an empty Authorization', ''],
    ['"Bearer"', 'Bearer'],
    ['"Bearer "', 'Bearer '],
    ['Basic credentials', `Basic ${b64(`user:${fx.token}`)}`],
    ['the token alone', fx.token],
    ['"Token <token>"', `Token ${fx.token}`],
    ['"Bearer: <token>"', `Bearer: ${fx.token}`],
    ['a tab after Bearer', `Bearer\t${fx.token}`],
    ['two spaces after Bearer', `Bearer  ${fx.token}`],
    ['the token and more', `Bearer ${fx.token} extra`],
    ['the token twice, comma-separated', `Bearer ${fx.token}, Bearer ${fx.token}`],
    // Node keeps the first Authorization header of a request and drops the others.
    ['two Authorization headers, the first not a token', [`Bearer ${fx.token.slice(0, -2)}`, `Bearer ${fx.token}`]],
    ['the token with a character more', `Bearer ${fx.token}x`],
    ['the token a character short', `Bearer ${fx.token.slice(0, -1)}`],
    ['the token upper-cased', `Bearer ${fx.token.toUpperCase()}`],
    ['an expired token', `Bearer ${fx.expiredToken}`],
    ['a revoked token', `Bearer ${fx.revokedToken}`],
    ['a token in quotes', `Bearer "${fx.token}"`],
    ['a 10 kB token', `Bearer crm_${rng.string(10_000, ALNUM)}`],
    ['a JWT', `Bearer ${b64url('{"alg":"none"}')}.${b64url('{"sub":"admin"}')}.`],
  ];
  for (const [label, authorization] of authVariants) withAuth(label, authorization);
  for (let i = 0; i < 12; i++) {
    const kind = rng.int(0, 3);
    if (kind === 0) withAuth('a wrong secret', `Bearer crm_${lookupPart}_${rng.bytes(32).toString('base64url')}`);
    if (kind === 1) withAuth('an unknown lookup id', `Bearer crm_${rng.bytes(8).toString('hex')}_${secretPart}`);
    if (kind === 2) withAuth('random printable bytes', `Bearer ${rng.string(rng.int(1, 100), ALNUM + '-_.~+/=')}`);
    if (kind === 3) withAuth('a truncated token', `Bearer ${fx.token.slice(0, rng.int(1, fx.token.length - 1))}`);
  }
  for (const [label, authorization] of rng.sample(authVariants, 8)) {
    const target = rng.pick(targets.filter((t) => t.control));
    withAuth(
      `${label} on ${target.label}`,
      authorization,
      ERR,
      JSON.stringify({ query: mutationDocument(target.field), variables: { input: target.input() } }),
    );
  }
  for (const target of rng.sample(
    targets.filter((t) => t.control && !['createTeam', 'createApiToken', 'updateSecret'].includes(t.field) && t.ids.length),
    8,
  )) {
    withAuth(
      `a VIEWER on ${target.label}`,
      `Bearer ${fx.viewerToken}`,
      TYPED,
      JSON.stringify({ query: mutationDocument(target.field), variables: { input: target.input() } }),
    );
  }
  add('auth', 'a token in the query string instead', ERR, {
    path: `/graphql?access_token=${fx.token}`,
    headers: { authorization: undefined },
    body: validBody,
  });
  add('auth', 'a token in a cookie instead', ERR, { headers: { authorization: undefined, cookie: `token=${fx.token}` }, body: validBody });
  add('auth', 'the CSRF header without a token', ERR, {
    headers: { authorization: undefined, 'x-graphql-yoga-csrf': '1' },
    body: validBody,
  });
  add('auth', 'a cross-site GET without a token', ERR, {
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(viewerQuery)}`,
    headers: { authorization: undefined, 'content-type': undefined, origin: 'https://evil.example' },
  });

  return probes;
}

// ---------------------------------------------------------------------------------------------

let t: TestApp;
let fx: Fixture;
beforeAll(async () => {
  t = await startTestApp();
  // Yoga answers its own failures (a 500): its promise is not awaited.
  server = createServer((req, res) => void t.app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const [team, other] = await Promise.all([createTeamWithOwner(t.db), createTeamWithOwner(t.db)]);
  fx = await createFixture(t, team, other);
});
afterAll(async () => {
  agent.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await t?.close();
});

describe('malformed input never gets a 500', () => {
  test('the Error types all end in "Error"', () => {
    expect(ERROR_TYPES.size).toBeGreaterThanOrEqual(4);
    for (const name of ERROR_TYPES) expect(name).toMatch(/Error$/);
  });

  test('controls: every valid input the probes break is accepted as it is', async () => {
    const rng = new Rng(SEED ^ 0xc0ffee);
    const refused: string[] = [];
    for (const target of targetsFor(rng, fx).filter((target) => target.control)) {
      const reply = await send({
        category: 'auth',
        label: 'control',
        expect: ['success'],
        headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.token}` },
        body: JSON.stringify({ query: mutationDocument(target.field), variables: { input: target.input() } }),
      });
      const result = (JSON.parse(reply.text) as { data?: Record<string, { __typename?: string }> }).data?.[target.field];
      if (!result?.__typename?.endsWith('Success')) refused.push(`${target.label}: ${reply.text.slice(0, 300)}`);
    }
    expect(refused).toEqual([]);
  });

  test(
    'a generated corpus of malformed requests over a real socket is refused, never answered with a 5xx',
    { timeout: 60_000 },
    async () => {
      const rng = new Rng(SEED);
      const probes = rng.shuffle(buildCorpus(rng, fx));
      const logsBefore = t.logs.length;
      const started = performance.now();
      const replies = await runAll(probes, CONCURRENCY);
      const elapsed = Math.round(performance.now() - started);

      const perCategory = new Map<Category, { sent: number; failed: number }>(
        CATEGORIES.map((category) => [category, { sent: 0, failed: 0 }]),
      );
      const failures: string[] = [];
      probes.forEach((probe, index) => {
        const reply = replies[index]!;
        const counts = perCategory.get(probe.category)!;
        counts.sent++;
        const problem = reply instanceof Error ? `transport: ${reply.message}` : judge(probe, reply);
        if (problem) {
          counts.failed++;
          const detail = reply instanceof Error ? '' : ` <- HTTP ${reply.status} ${reply.text.slice(0, 240)}`;
          failures.push(`[${probe.category}] ${probe.label}: ${problem}${detail}`);
        }
      });
      // What app.ts's maskError logs for an error it masks. (Yoga also logs, at level error, every
      // AppError a query field throws, since maskError rewrites those: expected errors, not counted.)
      const unexpected = t.logs.slice(logsBefore).filter((line) => line.includes('"unexpected error"') || /"level":60/.test(line));

      if (failures.length > 0 || unexpected.length > 0 || process.env.MALFORMED_SUMMARY) {
        const table = [...perCategory]
          .map(
            ([category, { sent, failed }]) =>
              `  ${category.padEnd(18)} ${String(sent).padStart(5)} sent ${String(failed).padStart(5)} failed`,
          )
          .join('\n');
        console.error(
          [
            `malformed-input corpus (MALFORMED_SEED=${SEED}): ${probes.length} requests in ${elapsed} ms, ${failures.length} failed`,
            table,
            ...failures.slice(0, SHOW_FAILURES).map((failure) => `  ${failure}`),
            ...(failures.length > SHOW_FAILURES ? [`  … and ${failures.length - SHOW_FAILURES} more (MALFORMED_SHOW=n shows n)`] : []),
            ...(unexpected.length
              ? [`${unexpected.length} error log lines, the first:`, ...unexpected.slice(0, 5).map((line) => `  ${line.slice(0, 600)}`)]
              : []),
          ].join('\n'),
        );
      }
      expect(probes.length).toBeGreaterThanOrEqual(1_000);
      for (const [category, { sent }] of perCategory) expect(sent, category).toBeGreaterThan(0);
      expect(failures, `${failures.length} of ${probes.length} requests were not refused properly (summary above)`).toEqual([]);
      expect(unexpected, 'error log lines').toEqual([]);
    },
  );

  test('afterwards the server still answers: viewer and /readyz', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.token}` },
      body: JSON.stringify({ query: '{ viewer { user { id } } }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { viewer: { user: { id: fx.ownerId } } } });
    // A body without Content-Length under the limit still goes through the limit's streaming path.
    const chunked = await send({
      category: 'oversized-strings',
      label: 'chunked',
      expect: ['success'],
      chunked: true,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.token}` },
      body: JSON.stringify({ query: '{ viewer { user { id } } }' }),
    });
    expect(JSON.parse(chunked.text)).toEqual({ data: { viewer: { user: { id: fx.ownerId } } } });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
  });
});
