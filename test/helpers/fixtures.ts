import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import {
  credentialFieldsFor,
  credentialsMemberFor,
  type AuthMethod,
  type CredentialFieldName,
  type CredentialsInput,
} from '../../src/modules/secret/provider-catalogue.ts';
import type { App } from '../../src/http/app.ts';
import type { Role } from '../../src/modules/team/team.tables.ts';
import type { CreateLocationInput, CreateSecretInput } from '../gql/graphql.ts';
import { addMember, createTeamWithOwner, executeOk, startTestApp, type TestApp, type TestAppOptions, type TestTeam } from './app.ts';
import { CreateLocation, CreateSecret } from './documents.ts';
import { registerPlaintext } from './harness-checks.ts';

/**
 * A realistic, valid value for every fixed credential field, whichever provider uses it (random
 * each call, so each value is findable). A new field name in the catalogue makes the compiler
 * ask for one here; a new provider reusing known fields needs nothing.
 */
const FIELD_VALUES: Record<CredentialFieldName, () => string> = {
  access_key_id: () => `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  secret_access_key: () => randomBytes(30).toString('base64'),
  account_name: () => `acct${randomBytes(4).toString('hex')}`,
  account_key: () => randomBytes(64).toString('base64'),
  sas_url: () => `https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=${encodeURIComponent(randomBytes(32).toString('base64'))}`,
  service_account_json: () =>
    JSON.stringify({
      type: 'service_account',
      project_id: 'demo-project',
      client_email: `svc-${randomBytes(3).toString('hex')}@demo-project.iam.gserviceaccount.com`,
      private_key: `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`,
    }),
  application_key_id: () => randomBytes(12).toString('hex'),
  application_key: () => randomBytes(24).toString('base64url'),
};

/**
 * Valid credentials for any auth method, built from the catalogue's field list (ENV_VARS: one
 * `API_KEY`); every value is registered for the leak sweep.
 */
export function credentialsFor(method: AuthMethod): CredentialsInput {
  const member = credentialsMemberFor(method);
  if (member === 'envVars') {
    const envVars = [{ key: 'API_KEY', value: `sk-${randomBytes(16).toString('hex')}` }];
    for (const { value } of envVars) registerPlaintext(value);
    return { envVars };
  }
  const values = Object.fromEntries(
    credentialFieldsFor(method).map((field) => [field.inputField, FIELD_VALUES[field.name as CredentialFieldName]()]),
  );
  for (const value of Object.values(values)) registerPlaintext(value);
  return { [member]: values };
}

/** Valid credentials of each fixed `@oneOf` member, as its input object. */
export const fixtures = {
  accessKey: () => credentialsFor('S3_ACCESS_KEY').accessKey!,
  azureAccountKey: () => credentialsFor('AZURE_ACCOUNT_KEY').azureAccountKey!,
  azureSasUrl: () => credentialsFor('AZURE_SAS_URL').azureSasUrl!,
  gcsServiceAccount: () => credentialsFor('GCS_SERVICE_ACCOUNT').gcsServiceAccount!,
  b2ApplicationKey: () => credentialsFor('B2_APPLICATION_KEY').b2ApplicationKey!,
};

/** Every plaintext value inside a credentials input: what must never appear anywhere. */
export function plaintextValues(credentials: Record<string, unknown>): string[] {
  return Object.values(credentials).flatMap((member) =>
    Array.isArray(member) ? member.map((pair: { value: string }) => pair.value) : Object.values(member as Record<string, string>),
  );
}

let nameCounter = 0;

/** A name no other fixture of this run has: `prefix`, random hex (files share a PostgreSQL database) and a counter. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}-${nameCounter++}`;
}

/** A member of a team other than its OWNER, with a token of their own. */
export interface TestMember {
  userId: string;
  token: string;
  email: string;
}

/** A team with one member of each role besides its OWNER. */
export interface TeamWithMembers extends TestTeam {
  members: Record<Exclude<Role, 'OWNER'>, TestMember>;
}

/** `createTeamWithOwner` plus an ADMIN, an OPERATOR and a VIEWER, each with a token. */
async function createTeamWithMembers(db: TestApp['db'], name?: string): Promise<TeamWithMembers> {
  const team = await createTeamWithOwner(db, name);
  // One after the other: each locks the team row, and PGlite is a single connection.
  const admin = await addMember(db, team, 'ADMIN');
  const operator = await addMember(db, team, 'OPERATOR');
  const viewer = await addMember(db, team, 'VIEWER');
  return { ...team, members: { ADMIN: admin, OPERATOR: operator, VIEWER: viewer } };
}

/**
 * This file's app on a fresh database, started before the file's first test and closed (with the
 * harness checks) after its last. The object is filled in place by `beforeAll`, so a file takes it
 * once at its top (`const t = useApp()`); `useTestApp` adds a team.
 */
export function useApp(options: TestAppOptions = {}): TestApp {
  const t = {} as TestApp;
  beforeAll(async () => {
    Object.assign(t, await startTestApp(options));
  });
  afterAll(() => t.close?.()); // no close when the app failed to start
  return t;
}

/**
 * This file's app (on a fresh database) and a team in it, made before the file's first test and
 * closed after its last. The two objects are filled in place by `beforeAll`, so a file takes them
 * once at its top (`const { t, team } = useTestApp()`) and its tests read them as they are.
 * `members: true` adds a member of each role (`team.members`); without it the team has only its
 * OWNER, so member lists and audit trails hold nothing the file did not make.
 */
export function useTestApp<WithMembers extends boolean = false>(
  options: TestAppOptions & { members?: WithMembers; teamName?: string } = {},
): { t: TestApp; team: WithMembers extends true ? TeamWithMembers : TestTeam } {
  const { members, teamName, ...appOptions } = options;
  const t = useApp(appOptions);
  const team = {} as TeamWithMembers;
  // After useApp's beforeAll: vitest runs a file's beforeAll hooks in the order they were registered.
  beforeAll(async () => {
    Object.assign(team, members ? await createTeamWithMembers(t.db, teamName) : await createTeamWithOwner(t.db, teamName));
  });
  return { t, team };
}

/** An S3 secret (unique name, fresh access key) made through the API; anything but success fails the test. */
export async function createS3Secret(app: App, team: TestTeam, input: Partial<CreateSecretInput> = {}, token = team.ownerToken) {
  const full = {
    teamId: team.teamId,
    name: uniqueName('secret'),
    secretType: 'S3',
    credentials: { accessKey: fixtures.accessKey() },
    ...input,
  } as CreateSecretInput;
  const result = (await executeOk(app, CreateSecret, { input: full }, token)).createSecret;
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(`createSecret failed: ${JSON.stringify(result)}`);
  return result.secret;
}

/** An S3 location on `secretId` (unique name, bucket `bucket`) made through the API; anything but success fails the test. */
export async function createS3Location(
  app: App,
  team: TestTeam,
  secretId: string,
  input: Partial<CreateLocationInput> = {},
  token = team.ownerToken,
) {
  const full: CreateLocationInput = {
    teamId: team.teamId,
    name: uniqueName('loc'),
    locationType: 'S3',
    bucketName: 'bucket',
    secretId,
    ...input,
  };
  const result = (await executeOk(app, CreateLocation, { input: full }, token)).createLocation;
  if (result.__typename !== 'CreateLocationSuccess') throw new Error(`createLocation failed: ${JSON.stringify(result)}`);
  return result.location;
}
