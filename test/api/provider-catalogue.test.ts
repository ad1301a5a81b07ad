/**
 * Every entry of the provider catalogue, through the API, with nothing written by hand per
 * provider: credentials are generated from the catalogue's field list (`credentialsFor`), and
 * what comes back is compared with the catalogue's fields. A new provider entry is exercised
 * here as soon as it exists.
 */
import { describe, expect, test } from 'vitest';
import type { CreateSecretInput, SecretCredentialsInput } from '../gql/graphql.ts';
import { executeOk } from '../helpers/app.ts';
import { CreateLocation, CreateSecret, NodeById } from '../helpers/documents.ts';
import { credentialsFor, useTestApp, uniqueName } from '../helpers/fixtures.ts';
import { createVaultConnection } from '../helpers/scenarios.ts';
import { maskValue } from '../../src/modules/secret/credential-masking.ts';
import {
  AUTH_METHODS,
  credentialFieldsFor,
  credentialsMemberFor,
  secretTypeOf,
  supportsExternalVault,
  type AuthMethod,
} from '../../src/modules/secret/provider-catalogue.ts';

const { t, team } = useTestApp();

/** The stored values of a generated input, in the catalogue's field order (ENV_VARS: its pairs). */
function storedValues(
  method: AuthMethod,
  credentials: ReturnType<typeof credentialsFor>,
): { name: string; envVar: string; value: string }[] {
  const member = credentialsMemberFor(method);
  if (member === 'envVars') return credentials.envVars!.map(({ key, value }) => ({ name: key, envVar: key, value }));
  const values = credentials[member] as Record<string, string>;
  return credentialFieldsFor(method).map((field) => ({ name: field.name, envVar: field.envVar, value: values[field.inputField]! }));
}

async function createSecret(input: Omit<CreateSecretInput, 'teamId'>) {
  const result = (await executeOk(t.app, CreateSecret, { input: { teamId: team.teamId, ...input } }, team.ownerToken)).createSecret;
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
  return result.secret;
}

async function readSecret(id: string) {
  const { node } = await executeOk(t.app, NodeById, { id }, team.ownerToken);
  if (node?.__typename !== 'Secret') throw new Error(`not a secret: ${id}`);
  return node;
}

describe('every auth method of the catalogue round-trips through the API', () => {
  test.each(AUTH_METHODS)('%s: created with generated credentials, read back masked', async (method) => {
    const credentials = credentialsFor(method);
    const secretType = secretTypeOf(method);
    const secret = await createSecret({
      name: uniqueName(method.toLowerCase()),
      secretType,
      authMethod: method,
      credentials: credentials as SecretCredentialsInput,
    });

    const expected = storedValues(method, credentials).map(({ name, envVar, value }) => ({ name, envVar, maskedValue: maskValue(value) }));
    expect(secret).toMatchObject({ secretType, authMethod: method, storage: 'NATIVE', version: 1 });
    expect(secret.credentialFields).toEqual(expected);
    expect(secret.envVarKeys).toEqual(expected.map((field) => field.envVar));
    const read = await readSecret(secret.id);
    expect(read.credentialFields).toEqual(expected);
    expect(read.envVarKeys).toEqual(expected.map((field) => field.envVar));

    if (secretType === 'ENV') return;
    // Every storage provider is a location type its secrets can back (rule 7).
    const location = await executeOk(
      t.app,
      CreateLocation,
      {
        input: {
          teamId: team.teamId,
          name: uniqueName('loc'),
          locationType: secretType,
          secretId: secret.id,
          bucketName: 'bucket',
          region: 'r1',
          endpointUrl: 'https://storage.example.test',
        },
      },
      team.ownerToken,
    );
    expect(location.createLocation).toMatchObject({ __typename: 'CreateLocationSuccess', location: { locationType: secretType } });
    expect((await readSecret(secret.id)).locationCount).toBe(1);
  });

  test.each(AUTH_METHODS.filter((method) => supportsExternalVault(secretTypeOf(method))))(
    '%s: EXTERNAL_VAULT with one mapping per catalogue field',
    async (method) => {
      const connection = await createVaultConnection(t.app, team, { vaultType: 'DOPPLER' });
      const fieldMappings = credentialFieldsFor(method).map((field) => ({ fieldName: field.name, reference: field.envVar }));
      const secret = await createSecret({
        name: uniqueName(`vault-${method.toLowerCase()}`),
        secretType: secretTypeOf(method),
        authMethod: method,
        vaultConnectionId: connection.id,
        fieldMappings,
      });
      expect(secret).toMatchObject({ storage: 'EXTERNAL_VAULT', fieldMappings });
      expect(secret.credentialFields).toEqual(
        credentialFieldsFor(method).map((field) => ({ name: field.name, envVar: field.envVar, maskedValue: null })),
      );
    },
  );
});
