import { randomBytes } from 'node:crypto';

/** Every plaintext this file's fixtures made or its requests sent: the harness's leak sweep looks for each. */
const plaintextRegistry = new Set<string>();

/** Adds a value the leak sweep of every test app of this file must find nowhere. */
export function registerPlaintext(value: string): void {
  plaintextRegistry.add(value);
}

export function registeredPlaintexts(): string[] {
  return [...plaintextRegistry];
}

/** Wraps a generator so that every value it makes is registered. */
function registered<T extends Record<string, string>>(make: () => T): () => T {
  return () => {
    const credentials = make();
    for (const value of Object.values(credentials)) registerPlaintext(value);
    return credentials;
  };
}

/** Realistic, valid credentials for every auth method (random each call, so each value is findable). */
const generators = {
  accessKey: () => ({ accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') }),
  azureAccountKey: () => ({ accountName: `acct${randomBytes(4).toString('hex')}`, accountKey: randomBytes(64).toString('base64') }),
  azureSasUrl: () => ({ sasUrl: `https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=${encodeURIComponent(randomBytes(32).toString('base64'))}` }),
  gcsServiceAccount: () => ({
    serviceAccountJson: JSON.stringify({
      type: 'service_account',
      project_id: 'demo-project',
      client_email: `svc-${randomBytes(3).toString('hex')}@demo-project.iam.gserviceaccount.com`,
      private_key: `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`,
    }),
  }),
  b2ApplicationKey: () => ({ applicationKeyId: randomBytes(12).toString('hex'), applicationKey: randomBytes(24).toString('base64url') }),
};

export const fixtures: typeof generators = {
  accessKey: registered(generators.accessKey),
  azureAccountKey: registered(generators.azureAccountKey),
  azureSasUrl: registered(generators.azureSasUrl),
  gcsServiceAccount: registered(generators.gcsServiceAccount),
  b2ApplicationKey: registered(generators.b2ApplicationKey),
};

/** Every plaintext value inside a credentials input: what must never appear anywhere. */
export function plaintextValues(credentials: Record<string, unknown>): string[] {
  return Object.values(credentials).flatMap((member) =>
    Array.isArray(member) ? member.map((pair: { value: string }) => pair.value) : Object.values(member as Record<string, string>),
  );
}
