import { randomBytes } from 'node:crypto';
import { credentialFieldsFor, credentialsMemberFor, type AuthMethod, type CredentialFieldName, type CredentialsInput } from '../../src/modules/secret/provider-catalogue.ts';

/** Every plaintext this file's fixtures made or its requests sent: the harness's leak sweep looks for each. */
const plaintextRegistry = new Set<string>();

/** Adds a value the leak sweep of every test app of this file must find nowhere. */
export function registerPlaintext(value: string): void {
  plaintextRegistry.add(value);
}

export function registeredPlaintexts(): string[] {
  return [...plaintextRegistry];
}

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
  const values = Object.fromEntries(credentialFieldsFor(method).map((field) => [field.inputField, FIELD_VALUES[field.name as CredentialFieldName]()]));
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
