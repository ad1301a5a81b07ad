/**
 * What several API test files set up the same way, beside fixtures.ts's `createS3Secret` and
 * `createS3Location`: an S3 secret's input for a test's own document, a vault connection made
 * through the API, and the field mappings of an EXTERNAL_VAULT S3 secret reading from it.
 */
import { randomBytes } from 'node:crypto';
import type { App } from '../../src/http/app.ts';
import type { CreateSecretInput, CreateVaultConnectionInput, VaultCredentialsInput, VaultType } from '../gql/graphql.ts';
import { executeOk, type TestTeam } from './app.ts';
import { CreateVaultConnection } from './documents.ts';
import { fixtures, uniqueName } from './fixtures.ts';
import { registerPlaintext } from './harness-checks.ts';

/**
 * A valid S3 createSecret input in `team` (unique name, fresh access key), `input` laid over it:
 * for tests that send it themselves, through their own document or to see a refusal.
 */
export function s3SecretInput(team: TestTeam, input: Partial<CreateSecretInput> = {}): CreateSecretInput {
  return { teamId: team.teamId, name: uniqueName('secret'), secretType: 'S3', credentials: { accessKey: fixtures.accessKey() }, ...input };
}

/** Valid credentials for a vault type; its random values (tokens, client id and secret) are registered for the leak sweep. */
function vaultCredentialsFor(vaultType: VaultType): VaultCredentialsInput {
  const random = (prefix: string) => {
    const value = `${prefix}${randomBytes(18).toString('base64url')}`;
    registerPlaintext(value);
    return value;
  };
  return vaultType === 'ONEPASSWORD'
    ? { onePassword: { accessToken: random('ops_') } }
    : vaultType === 'DOPPLER'
      ? { doppler: { accessToken: random('dp.st.prd.'), project: 'web', config: 'prd' } }
      : { infisical: { clientId: random('client-id-'), clientSecret: random('client-secret-'), projectId: 'proj', environment: 'prod' } };
}

/** A vault connection (1Password unless `input` says otherwise, unique name) made through the API; anything but success fails the test. */
export async function createVaultConnection(
  app: App,
  team: TestTeam,
  input: Partial<CreateVaultConnectionInput> = {},
  token = team.ownerToken,
) {
  const vaultType = input.vaultType ?? 'ONEPASSWORD';
  const full: CreateVaultConnectionInput = {
    teamId: team.teamId,
    name: uniqueName('vault'),
    vaultType,
    credentials: vaultCredentialsFor(vaultType),
    ...input,
  };
  const result = (await executeOk(app, CreateVaultConnection, { input: full }, token)).createVaultConnection;
  if (result.__typename !== 'CreateVaultConnectionSuccess') throw new Error(`createVaultConnection failed: ${JSON.stringify(result)}`);
  return result.vaultConnection;
}

/**
 * The `fieldMappings` of an EXTERNAL_VAULT S3 secret: references in the vault type's syntax
 * (`op://Infra/<item>/<field>` for 1Password, secret names for Doppler and Infisical).
 */
export function s3FieldMappings(vaultType: VaultType = 'ONEPASSWORD', item = 'aws') {
  return vaultType === 'ONEPASSWORD'
    ? [
        { fieldName: 'access_key_id', reference: `op://Infra/${item}/access_key_id` },
        { fieldName: 'secret_access_key', reference: `op://Infra/${item}/secret_access_key` },
      ]
    : [
        { fieldName: 'access_key_id', reference: 'AWS_ACCESS_KEY_ID' },
        { fieldName: 'secret_access_key', reference: 'AWS_SECRET_ACCESS_KEY' },
      ];
}
