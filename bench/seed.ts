/**
 * Seeder of the load benchmark (issue #6): fills an empty, migrated database with the rows the
 * app itself would have written for a realistic installation, fast.
 *
 * - Teams, each with one OWNER, an ADMIN and a few OPERATORs/VIEWERs, and one unscoped,
 *   non-expiring API token of the OWNER (made by the app's `generateToken`, stored like
 *   `issueToken` stores it: lookup id and SHA-256 of the secret part).
 * - NATIVE storage secrets (S3, GCS, Azure Blob, R2, B2 and the S3-compatible providers) with
 *   credentials that pass the app's own `validateCredentials`, masked previews computed the way
 *   `secret.service.ts` computes them, `version = payload_version = 1`, and a `secret_versions`
 *   row (version 1, reason CREATE) whose payload is really sealed with `sealCredentials` under
 *   the create path's binding {teamId, secretId, version: 1}: the app can open, rotate and
 *   update every seeded secret.
 * - Locations, each linked to a TEAM secret of its own team and of its own type (LOCATION_TYPE_MISMATCH), names
 *   unique per team. Most secrets have one or two locations; every 25th or so has six or more
 *   (a few dozens), so "the first 5 locations" of a secret list is real work.
 *
 * No audit rows are written: seeded rows stand for data that existed before the benchmark runs.
 * Each team's audit hash chain therefore starts empty, which the app handles (the first event
 * of a team has `prev_hash` null).
 *
 * Every id returned is the opaque global id the API takes (as `cli bootstrap` prints them).
 * Secret values are random per secret and never printed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type ColumnType, type Insertable, type Kysely } from 'kysely';
import pg from 'pg';
import { createDatabase, type Database } from '../src/database/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { Role } from '../src/modules/team/team.tables.ts';
import { toGlobalId } from '../src/graphql/global-id.ts';
import { nameKey } from '../src/modules/shared/names.ts';
import { generateToken } from '../src/modules/auth/token.ts';
import { createKeyring, type MasterKeyring } from '../src/modules/crypto/envelope.ts';
import type { LocationType } from '../src/modules/location/location.rules.ts';
import { credentialValues, validateCredentials } from '../src/modules/secret/credential-checks.ts';
import { maskValue } from '../src/modules/secret/credential-masking.ts';
import { defaultAuthMethod, endpointFor, type AuthMethod, type CredentialsInput } from '../src/modules/secret/provider-catalogue.ts';
import { sealCredentials } from '../src/modules/secret/secret-payload.ts';
import { slugify } from '../src/modules/team/team.rules.ts';

export interface SeedSizes {
  teams: number;
  secrets: number;
  locations: number;
  bigTeamSecrets: number;
}

export const DEFAULT_SIZES: SeedSizes = { teams: 200, secrets: 100_000, locations: 150_000, bigTeamSecrets: 50_000 };
export const QUICK_SIZES: SeedSizes = { teams: 20, secrets: 6_000, locations: 9_000, bigTeamSecrets: 3_000 };

export interface SeededData {
  /** The team holding `bigTeamSecrets` secrets; `token` is a real API token (plaintext) of its OWNER. */
  bigTeam: { id: string; token: string; ownerUserId: string };
  /** Every team, the big one first, each with a token of its OWNER. */
  teams: { id: string; token: string }[];
  /**
   * Up to 1,000 secrets of the big team, spread over it, for `node(id)`, `updateSecret` and
   * `rotateSecret`. All of them are S3 secrets (auth method S3_ACCESS_KEY), so a rotation takes
   * `credentials: { accessKey: { accessKeyId, secretAccessKey } }` (id 16–128 letters/digits,
   * secret 16–128 printable characters).
   */
  sampleSecretIds: string[];
}

// ---------------------------------------------------------------------------------------------
// Tuning

/** Secrets per INSERT: 17 columns × 2,000 rows stays well under PostgreSQL's 65,535 bind parameters. */
const SECRET_BATCH = 2_000;
/** Locations per INSERT: 14 columns × 2,500 rows = 35,000 parameters. */
const LOCATION_BATCH = 2_500;
/** Users, teams, memberships or tokens per INSERT (at most 7 columns). */
const SMALL_BATCH = 2_000;
/** Batches in flight at once: JS seals the next batch while PostgreSQL writes the previous ones. */
const CONCURRENCY = 3;
/** About one secret in HUB_EVERY has six or more locations. */
const HUB_EVERY = 25;
const SAMPLE_SIZE = 1_000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// Row types

/**
 * The app's table types forbid `created_at` on insert (the database's `now()` sets it); seeded
 * rows carry their own past timestamps, so the seeder writes through this one widened view.
 */
type WithCreatedAt<T> = { [K in keyof T]: K extends 'created_at' ? ColumnType<Date, Date, never> : T[K] };
type SeedDatabase = { [K in keyof Database]: WithCreatedAt<Database[K]> };
type Row<T extends keyof SeedDatabase> = Insertable<SeedDatabase[T]>;

// ---------------------------------------------------------------------------------------------
// Deterministic shapes (random values come from node:crypto)

/** mulberry32: a small seeded PRNG, so that every run has the same shape (counts, names, types). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64_CHARS = `${ALNUM}+/`;
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A random string over `alphabet` from node:crypto (byte-modulo: fine for test credentials). */
function randomString(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}
const randomHex = (length: number): string =>
  randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);

// ---------------------------------------------------------------------------------------------
// Secret types: credentials as each provider issues them, and where their buckets live

interface StorageProfile {
  type: LocationType;
  /** Prefix of secret names (`s3-prod-00042`). */
  prefix: string;
  /** Share of the secrets, in percent. */
  weight: number;
  authMethod(random: Random): AuthMethod;
  credentials(method: AuthMethod, team: TeamPlan): CredentialsInput;
  regions: readonly (string | null)[];
  endpointUrl(region: string | null, team: TeamPlan): string | null;
}

const accessKey = (accessKeyId: string, secretAccessKey: string): CredentialsInput => ({ accessKey: { accessKeyId, secretAccessKey } });

/** An S3-style provider: access key id and secret of the given shapes, one `<TYPE>_ACCESS_KEY` method. */
function s3Style(
  type: LocationType,
  prefix: string,
  weight: number,
  keys: () => [string, string],
  regions: readonly (string | null)[],
  endpointUrl: StorageProfile['endpointUrl'],
): Omit<StorageProfile, 'type'> {
  const method = defaultAuthMethod(type)!;
  return { prefix, weight, authMethod: () => method, credentials: () => accessKey(...keys()), regions, endpointUrl };
}

function gcsServiceAccountJson(team: TeamPlan): string {
  const body = randomBytes(1_190).toString('base64').replace(/.{64}/g, '$&\n');
  const account = `bench-${randomString('abcdefghijklmnopqrstuvwxyz', 8)}`;
  return JSON.stringify({
    type: 'service_account',
    project_id: team.gcpProject,
    private_key_id: randomHex(40),
    private_key: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`,
    client_email: `${account}@${team.gcpProject}.iam.gserviceaccount.com`,
    client_id: randomString('0123456789', 21),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${account}%40${team.gcpProject}.iam.gserviceaccount.com`,
    universe_domain: 'googleapis.com',
  });
}

function azureSasUrl(team: TeamPlan): string {
  const signature = encodeURIComponent(randomBytes(32).toString('base64'));
  return `https://${team.azureAccount}.blob.core.windows.net/?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2027-12-31T23:59:59Z&st=2025-01-01T00:00:00Z&spr=https&sig=${signature}`;
}

/** One profile per location type, in wheel order: a provider added to the catalogue does not compile here until it has one. */
const PROFILES: Record<LocationType, Omit<StorageProfile, 'type'>> = {
  S3: s3Style(
    'S3',
    's3',
    40,
    () => [`AKIA${randomString('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`, randomString(BASE64_CHARS, 40)],
    ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'],
    () => null,
  ),
  GCS: {
    prefix: 'gcs',
    weight: 14,
    authMethod: () => 'GCS_SERVICE_ACCOUNT',
    credentials: (_method, team) => ({ gcsServiceAccount: { serviceAccountJson: gcsServiceAccountJson(team) } }),
    regions: ['us-central1', 'europe-west1', 'europe-west4', 'asia-east1', 'eu', 'us'],
    endpointUrl: () => null,
  },
  AZURE_BLOB: {
    prefix: 'azure',
    weight: 12,
    authMethod: (random) => (random() < 0.8 ? 'AZURE_ACCOUNT_KEY' : 'AZURE_SAS_URL'),
    credentials: (method, team) =>
      method === 'AZURE_ACCOUNT_KEY'
        ? { azureAccountKey: { accountName: team.azureAccount, accountKey: randomBytes(64).toString('base64') } }
        : { azureSasUrl: { sasUrl: azureSasUrl(team) } },
    regions: ['westeurope', 'northeurope', 'eastus', 'eastus2', 'westus3'],
    endpointUrl: () => null,
  },
  R2: s3Style(
    'R2',
    'r2',
    9,
    () => [randomHex(32), randomHex(64)],
    ['auto'],
    (_region, team) => `https://${team.cloudflareAccount}.r2.cloudflarestorage.com`,
  ),
  B2: {
    prefix: 'b2',
    weight: 5,
    authMethod: () => 'B2_APPLICATION_KEY',
    credentials: () => ({
      b2ApplicationKey: { applicationKeyId: `005${randomHex(22)}`, applicationKey: `K005${randomString(ALNUM, 27)}` },
    }),
    regions: ['us-west-004', 'us-east-005', 'eu-central-003'],
    endpointUrl: (region) => endpointFor('B2', { region }),
  },
  WASABI: s3Style(
    'WASABI',
    'wasabi',
    3,
    () => [randomString(UPPER_ALNUM, 20), randomString(ALNUM, 40)],
    ['us-east-1', 'eu-central-1', 'ap-northeast-1'],
    (region) => endpointFor('WASABI', { region }),
  ),
  DIGITALOCEAN_SPACES: s3Style(
    'DIGITALOCEAN_SPACES',
    'spaces',
    3,
    () => [`DO00${randomString(UPPER_ALNUM, 16)}`, randomString(BASE64_CHARS, 43)],
    ['nyc3', 'ams3', 'fra1', 'sgp1'],
    (region) => endpointFor('DIGITALOCEAN_SPACES', { region }),
  ),
  HETZNER: s3Style(
    'HETZNER',
    'hetzner',
    3,
    () => [randomString(UPPER_ALNUM, 20), randomString(ALNUM, 40)],
    ['fsn1', 'nbg1', 'hel1'],
    (region) => endpointFor('HETZNER', { region }),
  ),
  S3_COMPATIBLE: s3Style(
    'S3_COMPATIBLE',
    'minio',
    3,
    () => [randomString(UPPER_ALNUM, 20), randomString(ALNUM, 40)],
    ['us-east-1'],
    (_region, team) => `https://s3.${team.slug}.example.net`,
  ),
  TIGRIS: s3Style(
    'TIGRIS',
    'tigris',
    2,
    () => [`tid_${randomString(ALNUM, 26)}`, `tsec_${randomString(ALNUM, 43)}`],
    ['auto'],
    () => endpointFor('TIGRIS', {}),
  ),
  ORACLE_OBJECT_STORAGE_S3: s3Style(
    'ORACLE_OBJECT_STORAGE_S3',
    'oci',
    2,
    () => [randomHex(40), randomString(BASE64_CHARS, 44)],
    ['eu-frankfurt-1', 'us-ashburn-1', 'uk-london-1'],
    (region, team) => `https://${team.ociNamespace}.compat.objectstorage.${region}.oraclecloud.com`,
  ),
  RAILWAY: s3Style(
    'RAILWAY',
    'railway',
    2,
    () => [randomString(UPPER_ALNUM, 20), randomString(ALNUM, 40)],
    ['auto'],
    () => endpointFor('RAILWAY', {}),
  ),
  RABATA: s3Style(
    'RABATA',
    'rabata',
    2,
    () => [randomString(UPPER_ALNUM, 20), randomString(ALNUM, 40)],
    ['eu-west-1', 'us-east-1'],
    (region) => `https://s3.${region}.rabata.io`,
  ),
};
const STORAGE_PROFILES: readonly StorageProfile[] = (Object.entries(PROFILES) as [LocationType, Omit<StorageProfile, 'type'>][]).map(
  ([type, profile]) => ({ type, ...profile }),
);

const PROFILE_WHEEL: readonly StorageProfile[] = STORAGE_PROFILES.flatMap((profile) =>
  Array.from({ length: profile.weight }, () => profile),
);

const ENVIRONMENTS = ['prod', 'prod', 'prod', 'staging', 'staging', 'dev', 'analytics', 'backup', 'ml'] as const;
const PURPOSES = [
  'raw-events',
  'curated',
  'exports',
  'backups',
  'logs',
  'ml-features',
  'warehouse-stage',
  'media',
  'reports',
  'archive',
  'ingest',
  'snapshots',
] as const;
const SECRET_DESCRIPTIONS = [
  'Read/write access for the ingestion pipeline',
  'Read-only key for the BI tools',
  'Used by the nightly backup job',
  'Service account of the data platform',
  'Key of the ML training cluster',
] as const;

const COMPANIES = [
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark',
  'Wayne',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Vandelay',
  'Wonka',
  'Aperture',
  'Massive Dynamic',
  'Oscorp',
  'Pied Piper',
  'Gringotts',
  'Monarch',
] as const;
const DEPARTMENTS = ['Data', 'Analytics', 'Platform', 'ML', 'Finance', 'Growth', 'Research', 'Infra'] as const;
const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Barbara',
  'Edsger',
  'Frances',
  'Ken',
  'Margaret',
  'Dennis',
  'Radia',
  'Linus',
  'Katherine',
  'Donald',
  'Hedy',
  'John',
  'Sophie',
] as const;
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Liskov',
  'Dijkstra',
  'Allen',
  'Thompson',
  'Hamilton',
  'Ritchie',
  'Perlman',
  'Torvalds',
  'Johnson',
  'Knuth',
  'Lamarr',
  'McCarthy',
  'Wilson',
] as const;

// ---------------------------------------------------------------------------------------------
// Plans

interface TeamPlan {
  index: number;
  id: string;
  name: string;
  slug: string;
  ownerId: string;
  token: string;
  createdAt: number;
  secretCount: number;
  /** Index of the team's first secret in the global secret order. */
  firstSecret: number;
  /** Per-team names of the team's accounts at its providers (shared by its secrets and locations). */
  gcpProject: string;
  azureAccount: string;
  cloudflareAccount: string;
  ociNamespace: string;
  /** Location timestamps already used in the team (kept distinct). */
  locationTimes: Set<number>;
  nextLocation: number;
}

function checkSizes(sizes: SeedSizes): void {
  const { teams, secrets, locations, bigTeamSecrets } = sizes;
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`SeedSizes.${name} must be a non-negative integer`);
  }
  if (teams < 1) throw new RangeError('SeedSizes.teams must be at least 1');
  if (bigTeamSecrets > secrets) throw new RangeError('SeedSizes.bigTeamSecrets cannot exceed SeedSizes.secrets');
  if (teams === 1 && bigTeamSecrets !== secrets) throw new RangeError('With one team, bigTeamSecrets must equal secrets');
  if (locations > 0 && secrets === 0) throw new RangeError('Locations need secrets');
}

/** The big team gets its share; the others split the rest unevenly (weights 0.3–1.7), by largest remainder. */
function secretsPerTeam(sizes: SeedSizes, random: Random): number[] {
  const counts = [sizes.bigTeamSecrets];
  const others = sizes.teams - 1;
  if (others === 0) return counts;
  const rest = sizes.secrets - sizes.bigTeamSecrets;
  const weights = Array.from({ length: others }, () => 0.3 + 1.4 * random());
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (rest * w) / total);
  const floors = exact.map(Math.floor);
  let left = rest - floors.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => [x - floors[i]!, i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of byRemainder) {
    if (left-- <= 0) break;
    floors[i]! += 1;
  }
  return counts.concat(floors);
}

/**
 * Locations per secret (global secret order), summing to `total`: about one secret in 25 is a
 * "hub" with 6–12 locations (one hub in ten has 20–40); the others get an even share of the
 * rest (with the defaults: one or two each).
 */
function locationsPerSecret(teams: readonly TeamPlan[], secretTotal: number, total: number, random: Random): Uint16Array {
  const counts = new Uint16Array(secretTotal);
  if (secretTotal === 0 || total === 0) return counts;
  const hubs: number[] = [];
  for (const team of teams) {
    const phase = team.index % HUB_EVERY;
    for (let k = phase; k < team.secretCount; k += HUB_EVERY) hubs.push(team.firstSecret + k);
  }
  let hubTotal = 0;
  for (const hub of hubs) {
    const size = random() < 0.1 ? between(random, 20, 40) : between(random, 6, 12);
    counts[hub] = size;
    hubTotal += size;
  }
  // Hubs take at most 40% of the locations; with too few locations, drop hubs from the end.
  while (hubs.length > 0 && hubTotal > total * 0.4) {
    const hub = hubs.pop()!;
    hubTotal -= counts[hub]!;
    counts[hub] = 0;
  }
  const isHub = new Uint8Array(secretTotal);
  for (const hub of hubs) isHub[hub] = 1;
  const others = new Int32Array(secretTotal - hubs.length);
  let n = 0;
  for (let g = 0; g < secretTotal; g++) if (!isHub[g]) others[n++] = g;
  const rest = total - hubTotal;
  if (n === 0) {
    // Every secret is a hub (tiny sizes): spread the rest over them.
    for (let i = 0; i < rest; i++) counts[hubs[i % hubs.length]!]! += 1;
    return counts;
  }
  const base = Math.floor(rest / n);
  let extra = rest - base * n;
  for (let i = 0; i < n; i++) counts[others[i]!] = base;
  // A partial Fisher–Yates shuffle picks which secrets get one more.
  for (let i = 0; i < n && extra > 0; i++, extra--) {
    const j = i + Math.floor(random() * (n - i));
    const chosen = others[j]!;
    others[j] = others[i]!;
    others[i] = chosen;
    counts[chosen]! += 1;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Inserting

const fmt = (n: number): string => n.toLocaleString('en-US');

async function insertChunks<T extends keyof SeedDatabase>(db: Kysely<SeedDatabase>, table: T, rows: Row<T>[], size: number): Promise<void> {
  for (let i = 0; i < rows.length; i += size) {
    // Kysely's generic insert over a table union cannot be typed per call site; the rows are checked by Row<T>.
    await db
      .insertInto(table)
      .values(rows.slice(i, i + size))
      .execute();
  }
}

/** Runs async jobs at most `limit` at a time; the first failure stops new jobs and is rethrown. */
class JobQueue {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  async add(job: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    const promise: Promise<void> = job()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
    while (this.running.size >= this.limit) await Promise.race(this.running);
    this.throwIfFailed();
  }
  async drain(): Promise<void> {
    await Promise.all(this.running);
    this.throwIfFailed();
  }
  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

/** Reports a counter at each 10% step it crosses. */
function tenPercentReporter(label: string, total: number, report: (message: string) => void) {
  let next = 1;
  return (done: number) => {
    if (total === 0) return;
    let crossed = false;
    while (next <= 10 && done >= (total * next) / 10) {
      next++;
      crossed = true;
    }
    if (crossed) report(`seeding ${label} ${fmt(done)}/${fmt(total)}`);
  };
}

// ---------------------------------------------------------------------------------------------
// The seeder

/**
 * Seeds `sizes` into an empty, migrated database. Team 0 is the big team. Shapes (counts,
 * names, types) are the same on every run; ids, timestamps' base and secret values are fresh.
 */
export async function seed(
  db: Kysely<Database>,
  keyring: MasterKeyring,
  sizes: SeedSizes,
  progress: (message: string) => void,
): Promise<SeededData> {
  checkSizes(sizes);
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  const report = (message: string) => progress(`${message} (${seconds()} s)`);
  const seedDb = db as unknown as Kysely<SeedDatabase>;
  const random = prng(0xc10a4);
  const now = Date.now();
  const epoch = now - 730 * DAY;
  const end = now - HOUR;

  // Teams, users, memberships, tokens -------------------------------------------------------
  const counts = secretsPerTeam(sizes, random);
  const teams: TeamPlan[] = [];
  const users: Row<'users'>[] = [];
  const teamRows: Row<'teams'>[] = [];
  const memberships: Row<'memberships'>[] = [];
  const tokens: Row<'api_tokens'>[] = [];
  let firstSecret = 0;
  for (let t = 0; t < sizes.teams; t++) {
    const name =
      t === 0
        ? 'Globex Data Platform'
        : `${COMPANIES[t % COMPANIES.length]} ${DEPARTMENTS[Math.floor(t / COMPANIES.length) % DEPARTMENTS.length]} ${pad(t, 3)}`;
    const slug = slugify(name);
    // Teams join over the first 90 days; their secrets follow until an hour ago.
    const createdAt = epoch + Math.floor((t * 90 * DAY) / sizes.teams) + t;
    const ownerId = randomUUID();
    const fresh = generateToken();
    const team: TeamPlan = {
      index: t,
      id: randomUUID(),
      name,
      slug,
      ownerId,
      token: fresh.token,
      createdAt,
      secretCount: counts[t]!,
      firstSecret,
      gcpProject: `${slug.slice(0, 20).replace(/-+$/, '')}-${randomString('0123456789', 6)}`,
      azureAccount: `${slug.replace(/[^a-z0-9]/g, '').slice(0, 14)}${randomString(LOWER_ALNUM, 6)}`,
      cloudflareAccount: randomHex(32),
      ociNamespace: randomString(LOWER_ALNUM, 12),
      locationTimes: new Set(),
      nextLocation: 0,
    };
    firstSecret += team.secretCount;
    teams.push(team);

    const roles: Role[] = ['OWNER', 'ADMIN', 'OPERATOR', 'VIEWER'];
    if (random() < 0.5) roles.push('VIEWER');
    if (random() < 0.3) roles.push('OPERATOR');
    roles.forEach((role, m) => {
      const userId = m === 0 ? ownerId : randomUUID();
      const first = FIRST_NAMES[(t + m) % FIRST_NAMES.length]!;
      const last = LAST_NAMES[(t * 7 + m * 3) % LAST_NAMES.length]!;
      const joined = new Date(createdAt + m * (between(random, 1, 60) * DAY) - (m === 0 ? MINUTE : 0));
      users.push({
        id: userId,
        email: `${first}.${last}.${m}@${slug}.example.com`.toLowerCase(),
        name: `${first} ${last}`,
        created_at: joined,
      });
      memberships.push({ team_id: team.id, user_id: userId, role, created_at: m === 0 ? new Date(createdAt) : joined });
    });
    teamRows.push({
      id: team.id,
      name,
      slug,
      version: 1,
      created_at: new Date(createdAt),
      created_by: ownerId,
      updated_at: new Date(createdAt),
      updated_by: ownerId,
    });
    // As issueToken stores it: the lookup id and the SHA-256 of the secret part; unscoped, no expiry.
    tokens.push({
      user_id: ownerId,
      lookup_id: fresh.lookupId,
      secret_hash: fresh.secretHash,
      name: 'bench',
      created_at: new Date(createdAt + MINUTE),
      expires_at: null,
      revoked_at: null,
      scopes: null,
    });
  }
  await insertChunks(seedDb, 'users', users, SMALL_BATCH);
  await insertChunks(seedDb, 'teams', teamRows, SMALL_BATCH);
  await insertChunks(seedDb, 'memberships', memberships, SMALL_BATCH);
  await insertChunks(seedDb, 'api_tokens', tokens, SMALL_BATCH);
  report(
    `seeded ${fmt(teams.length)} teams, ${fmt(users.length)} users, ${fmt(memberships.length)} memberships, ${fmt(tokens.length)} tokens`,
  );

  // Secrets, versions, locations ------------------------------------------------------------
  const locationCounts = locationsPerSecret(teams, sizes.secrets, sizes.locations, random);
  const bigTeamS3: string[] = [];
  const queue = new JobQueue(CONCURRENCY);
  const secretsReport = tenPercentReporter('secrets', sizes.secrets, report);
  const locationsReport = tenPercentReporter('locations', sizes.locations, report);
  let secretsDone = 0;
  let locationsDone = 0;

  let secrets: Row<'secrets'>[] = [];
  let versions: Row<'secret_versions'>[] = [];
  let locations: Row<'locations'>[] = [];
  const flush = async () => {
    const batch = { secrets, versions, locations };
    secrets = [];
    versions = [];
    locations = [];
    await queue.add(async () => {
      // Parents first: versions and locations reference the secrets of their own batch only.
      await insertChunks(seedDb, 'secrets', batch.secrets, SECRET_BATCH);
      await insertChunks(seedDb, 'secret_versions', batch.versions, SECRET_BATCH);
      secretsDone += batch.secrets.length;
      secretsReport(secretsDone);
      await insertChunks(seedDb, 'locations', batch.locations, LOCATION_BATCH);
      locationsDone += batch.locations.length;
      locationsReport(locationsDone);
    });
  };

  for (const team of teams) {
    const span = end - (team.createdAt + HOUR);
    const step = team.secretCount > 0 ? span / team.secretCount : 0;
    let previous = 0;
    for (let k = 0; k < team.secretCount; k++) {
      const profile = pick(random, PROFILE_WHEEL);
      const authMethod = profile.authMethod(random);
      const environment = pick(random, ENVIRONMENTS);
      const id = randomUUID();
      // Spread over the team's lifetime, increasing, distinct to the millisecond.
      const createdMs = Math.max(previous + 1, Math.floor(team.createdAt + HOUR + k * step + random() * step * 0.9));
      previous = createdMs;
      const createdAt = new Date(createdMs);

      const credentials = profile.credentials(authMethod, team);
      const problems = validateCredentials(authMethod, credentials);
      if (problems.length > 0)
        throw new Error(
          `seed: generated ${authMethod} credentials fail the app's validation: ${problems.map((p) => `${p.path.join('.')} ${p.code}`).join(', ')}`,
        );
      // Exactly the create path of secret.service.ts: values, masked previews, payload sealed under {team, secret, version 1}.
      const values = credentialValues(authMethod, credentials);
      const sealed = sealCredentials(keyring, values, { teamId: team.id, secretId: id, version: 1 });
      const previews = values.map(({ name, envVar, value }) => ({ name, envVar, maskedValue: maskValue(value) }));

      const secretName = `${profile.prefix}-${environment}-${pad(k + 1, 5)}`;
      secrets.push({
        id,
        team_id: team.id,
        name: secretName,
        name_key: nameKey(secretName),
        description: random() < 0.3 ? `${pick(random, SECRET_DESCRIPTIONS)} (${environment})` : null,
        secret_type: profile.type,
        auth_method: authMethod,
        storage: 'NATIVE',
        vault_connection_id: null,
        field_mappings: null,
        credential_fields: JSON.stringify(previews),
        payload_version: 1,
        visibility: 'TEAM',
        owner_id: null,
        service_slug: null,
        workspace_access: 'ALL',
        version: 1,
        last_rotated_at: null,
        created_at: createdAt,
        created_by: team.ownerId,
        updated_at: createdAt,
        updated_by: team.ownerId,
      });
      versions.push({
        secret_id: id,
        version: 1,
        reason: 'CREATE',
        auth_method: authMethod,
        credential_fields: JSON.stringify(previews),
        ...sealed,
        created_at: createdAt,
        created_by: team.ownerId,
      });
      if (team.index === 0 && profile.type === 'S3') bigTeamS3.push(id);

      const linked = locationCounts[team.firstSecret + k]!;
      for (let l = 0; l < linked; l++) {
        const purpose = pick(random, PURPOSES);
        const region = pick(random, profile.regions);
        const n = ++team.nextLocation;
        // Within 60 days after the secret (not after `end`), distinct within the team.
        let at = createdMs + MINUTE + Math.floor(random() * Math.max(1, Math.min(60 * DAY, end - createdMs - MINUTE)));
        while (team.locationTimes.has(at)) at++;
        team.locationTimes.add(at);
        const locationCreated = new Date(at);
        locations.push({
          id: randomUUID(),
          team_id: team.id,
          secret_id: id,
          name: `${purpose}-${environment}-${pad(n, 6)}`,
          name_key: nameKey(`${purpose}-${environment}-${pad(n, 6)}`),
          description: random() < 0.2 ? `${purpose.replace('-', ' ')} data of ${environment}` : null,
          location_type: profile.type,
          bucket_name: `${team.slug.slice(0, 24).replace(/-+$/, '')}-${purpose}-${environment}-${n}`,
          region,
          endpoint_url: profile.endpointUrl(region, team),
          version: 1,
          created_at: locationCreated,
          created_by: team.ownerId,
          updated_at: locationCreated,
          updated_by: team.ownerId,
        });
      }
      if (secrets.length >= SECRET_BATCH) await flush();
    }
  }
  if (secrets.length > 0) await flush();
  await queue.drain();

  report('analyzing');
  await sql`analyze`.execute(db);

  // Spread the sample over the big team's S3 secrets: a partial shuffle.
  const sample = bigTeamS3.slice();
  const sampleSize = Math.min(SAMPLE_SIZE, sample.length);
  for (let i = 0; i < sampleSize; i++) {
    const j = i + Math.floor(random() * (sample.length - i));
    [sample[i], sample[j]] = [sample[j]!, sample[i]!];
  }

  const bigTeam = teams[0]!;
  report(
    `seeded ${fmt(teams.length)} teams, ${fmt(users.length)} users, ${fmt(sizes.secrets)} secrets (${fmt(sizes.secrets)} versions), ` +
      `${fmt(sizes.locations)} locations; big team ${bigTeam.slug}: ${fmt(bigTeam.secretCount)} secrets`,
  );
  return {
    bigTeam: { id: toGlobalId('Team', bigTeam.id), token: bigTeam.token, ownerUserId: toGlobalId('User', bigTeam.ownerId) },
    teams: teams.map((team) => ({ id: toGlobalId('Team', team.id), token: team.token })),
    sampleSecretIds: sample.slice(0, sampleSize).map((id) => toGlobalId('Secret', id)),
  };
}

/** Drops and recreates the database `url` names (connecting to its server's `postgres` database). */
export async function recreateDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new pg.Client(admin.toString());
  await client.connect();
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    await client.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/** Recreates, migrates and seeds `databaseUrl` under a fresh master key: how every benchmark run starts. */
export async function freshSeededDatabase(
  databaseUrl: string,
  sizes: SeedSizes,
  progress: (message: string) => void,
): Promise<{ db: Kysely<Database>; masterKey: Buffer; seeded: SeededData }> {
  progress(`database ${databaseUrl.replace(/\/\/[^@]*@/, '//')}: recreating, migrating, seeding ${JSON.stringify(sizes)}`);
  await recreateDatabase(databaseUrl);
  const db = createDatabase({ databaseUrl });
  await migrateToLatest(db);
  const masterKey = randomBytes(32);
  return { db, masterKey, seeded: await seed(db, createKeyring(masterKey), sizes, progress) };
}
