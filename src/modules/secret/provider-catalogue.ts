/**
 * The provider catalogue (DESIGN §3): one entry per secret type, naming its auth methods, the
 * credential fields each method takes (stored name, GraphQL input field, conventional env var,
 * `@oneOf` member), whether its keys may be short, and how its endpoint is found (DESIGN §6.2).
 * Everything else is derived from it: the `SecretType` and `AuthMethod` enums and the `@oneOf`
 * credentials input (secret.schema.ts), validation (credential-checks.ts), vault field mappings
 * (field-mapping-references.ts), masking (credential-masking.ts), the storage presets and the
 * tests' lists. Adding a provider is one entry here; a `Record<SecretType, …>` or
 * `Record<CredentialFieldName, …>` elsewhere makes the compiler name whatever else it must fill.
 * Pure data and lookups, no I/O.
 */

// ---------------------------------------------------------------------------------------------
// Credential shapes: the members of the `@oneOf` credentials input

/** One fixed credential field of a credential shape. */
export interface CredentialField {
  /** Snake-case name (`access_key_id`): the stored name and the `fieldName` of a vault mapping. */
  name: string;
  /** Field of the `@oneOf` member's input object (`accessKeyId`). */
  inputField: string;
  /** Conventional environment variable (`AWS_ACCESS_KEY_ID`); listed in `envVarKeys`. */
  envVar: string;
  /** One line for the GraphQL schema: what the field holds and its accepted shape. */
  description: string;
}

export interface CredentialFieldEntry extends CredentialField {
  /** Surrounding whitespace is allowed and trimmed (pasted JSON files end in a newline). */
  trimmed: boolean;
}

interface CredentialShape {
  /** The GraphQL input object of the member (ENV_VARS: the list's item). */
  inputType: string;
  /** The member's description in the GraphQL schema. */
  description: string;
  /** Empty for `envVars`, whose keys are the caller's. */
  fields: readonly CredentialFieldEntry[];
}

/** A field taken verbatim: surrounding whitespace is refused, not trimmed. */
function fixedField<const N extends string, const I extends string, const E extends string>(
  name: N,
  inputField: I,
  envVar: E,
  description: string,
) {
  return { name, inputField, envVar, description, trimmed: false } as const;
}

/** Every member of the `@oneOf` credentials input, one per credential shape; several auth methods may share one. */
export const CREDENTIAL_SHAPES = {
  accessKey: {
    inputType: 'AccessKeyCredentialsInput',
    description: 'Every `*_ACCESS_KEY` auth method (S3 and the S3-compatible providers).',
    fields: [
      fixedField('access_key_id', 'accessKeyId', 'AWS_ACCESS_KEY_ID', 'Access key id.'),
      fixedField('secret_access_key', 'secretAccessKey', 'AWS_SECRET_ACCESS_KEY', 'Secret access key.'),
    ],
  },
  azureAccountKey: {
    inputType: 'AzureAccountKeyCredentialsInput',
    description: 'AZURE_ACCOUNT_KEY: a storage account and its access key.',
    fields: [
      fixedField('account_name', 'accountName', 'AZURE_STORAGE_ACCOUNT', 'Storage account name (3–24 lowercase letters and digits).'),
      fixedField('account_key', 'accountKey', 'AZURE_STORAGE_KEY', 'Storage account access key: base64, as the Azure portal shows it.'),
    ],
  },
  azureSasUrl: {
    inputType: 'AzureSasUrlCredentialsInput',
    description: 'AZURE_SAS_URL: a URL carrying a shared access signature.',
    fields: [fixedField('sas_url', 'sasUrl', 'AZURE_STORAGE_SAS_URL', 'https URL carrying a shared access signature (`sig` parameter).')],
  },
  gcsServiceAccount: {
    inputType: 'GcsServiceAccountCredentialsInput',
    description: 'GCS_SERVICE_ACCOUNT: the key file of a service account.',
    fields: [
      {
        name: 'service_account_json',
        inputField: 'serviceAccountJson',
        envVar: 'GOOGLE_APPLICATION_CREDENTIALS_JSON',
        description: 'The JSON service-account key file (type, client_email, private_key, project_id).',
        trimmed: true,
      },
    ],
  },
  b2ApplicationKey: {
    inputType: 'B2ApplicationKeyCredentialsInput',
    description: 'B2_APPLICATION_KEY: a Backblaze B2 application key and its id.',
    fields: [
      fixedField('application_key_id', 'applicationKeyId', 'B2_APPLICATION_KEY_ID', 'Application key id (12–64 letters and digits).'),
      fixedField('application_key', 'applicationKey', 'B2_APPLICATION_KEY', 'Application key.'),
    ],
  },
  envVars: {
    inputType: 'EnvVarInput',
    description: 'ENV_VARS: the env vars, each key once.',
    fields: [],
  },
} as const satisfies Record<string, CredentialShape>;

export type CredentialsInputMember = keyof typeof CREDENTIAL_SHAPES;
/** The members with fixed fields (all but `envVars`). */
export type FixedCredentialsMember = Exclude<CredentialsInputMember, 'envVars'>;

/** The members of the `@oneOf` credentials input, in display order. */
export const CREDENTIALS_INPUT_MEMBERS = Object.keys(CREDENTIAL_SHAPES) as readonly CredentialsInputMember[];

type FieldsOf<M extends CredentialsInputMember> = (typeof CREDENTIAL_SHAPES)[M]['fields'][number];

/** Snake-case names of the fixed credential fields, as stored and as used in `fieldMappings`. */
export type CredentialFieldName = FieldsOf<CredentialsInputMember>['name'];

/** The values of one fixed member, keyed by its input fields (`{ accessKeyId, secretAccessKey }`). */
export type CredentialsMemberValues<M extends FixedCredentialsMember> = { [F in FieldsOf<M> as F['inputField']]: string };

/** The GraphQL `credentials` input: a `@oneOf` object, so exactly one member is set. */
export type CredentialsInput = { [M in FixedCredentialsMember]?: CredentialsMemberValues<M> | null } & {
  envVars?: readonly { key: string; value: string }[] | null;
};

// ---------------------------------------------------------------------------------------------
// Providers

/**
 * Where a location's bucket is reached (DESIGN §6.2 "Endpoints"). A location's `endpointUrl`,
 * when set, always wins; otherwise:
 */
export type EndpointRule =
  /** The template with the location's `region` (or the provider's default region) for `{region}`. */
  | { from: 'region'; template: `https://${string}{region}${string}`; defaultRegion?: string }
  /** The location's `endpointUrl` is required: the host names the customer's account, or is the operator's own. */
  | { from: 'endpointUrl'; example: string }
  /** One service host for every bucket. */
  | { from: 'fixed'; url: string }
  /** Named by the credentials: `{account_name}` is filled once they are opened (a SAS URL carries its own host). */
  | { from: 'credentials'; template: `https://{${string}}${string}` }
  /** Not storage (ENV). */
  | { from: 'none' };

interface AuthMethodEntry {
  member: CredentialsInputMember;
  /** The enum value's description in the GraphQL schema. */
  description: string;
}

interface ProviderEntry {
  /** The enum value's description in the GraphQL schema. */
  description: string;
  /** Its auth methods, in display order; the first is not a default unless it is the only one. */
  authMethods: Readonly<Record<string, AuthMethodEntry>>;
  /**
   * Keys may be shorter than the cloud providers' (self-hosted servers let operators choose
   * them: MinIO accepts access keys from 3 and secret keys from 8 characters).
   */
  shortKeys: boolean;
  endpoint: EndpointRule;
  /** The official SDK that verifies a location of this type (DESIGN §6.2); null: not storage. */
  storageClient: StorageClient | null;
}

/** `@aws-sdk/client-s3` (S3 and every S3-compatible API, B2's included), `@azure/storage-blob`, `@google-cloud/storage`. */
export type StorageClient = 's3' | 'azure-blob' | 'gcs';

/** An S3-style provider: one `<TYPE>_ACCESS_KEY` method taking the access key pair. */
function accessKeyProvider<const T extends string>(
  type: T,
  description: string,
  endpoint: EndpointRule,
  options: { shortKeys?: boolean } = {},
): Omit<ProviderEntry, 'authMethods'> & { authMethods: Record<`${T}_ACCESS_KEY`, AuthMethodEntry & { member: 'accessKey' }> } {
  const method = `${type}_ACCESS_KEY` as const;
  return {
    description,
    authMethods: { [method]: { member: 'accessKey', description: 'An access key id and its secret access key.' } } as Record<
      `${T}_ACCESS_KEY`,
      AuthMethodEntry & { member: 'accessKey' }
    >,
    shortKeys: options.shortKeys ?? false,
    endpoint,
    storageClient: 's3',
  };
}

/** The catalogue: one entry per secret type, in display order; its keys are `SecretType`. */
export const PROVIDERS = {
  S3: accessKeyProvider('S3', 'Amazon S3.', { from: 'region', template: 'https://s3.{region}.amazonaws.com', defaultRegion: 'us-east-1' }),
  R2: accessKeyProvider('R2', 'Cloudflare R2.', { from: 'endpointUrl', example: 'https://<account id>.r2.cloudflarestorage.com' }),
  WASABI: accessKeyProvider('WASABI', 'Wasabi.', {
    from: 'region',
    template: 'https://s3.{region}.wasabisys.com',
    defaultRegion: 'us-east-1',
  }),
  RAILWAY: accessKeyProvider('RAILWAY', 'Railway storage buckets.', { from: 'fixed', url: 'https://storage.railway.app' }),
  ORACLE_OBJECT_STORAGE_S3: accessKeyProvider('ORACLE_OBJECT_STORAGE_S3', 'Oracle Cloud Object Storage through its S3 compatibility API.', {
    from: 'endpointUrl',
    example: 'https://<namespace>.compat.objectstorage.<region>.oraclecloud.com',
  }),
  S3_COMPATIBLE: accessKeyProvider(
    'S3_COMPATIBLE',
    'Any other S3-compatible server (MinIO, Ceph, Garage …).',
    { from: 'endpointUrl', example: 'https://minio.example.com' },
    { shortKeys: true },
  ),
  TIGRIS: accessKeyProvider('TIGRIS', 'Tigris.', { from: 'fixed', url: 'https://fly.storage.tigris.dev' }),
  DIGITALOCEAN_SPACES: accessKeyProvider('DIGITALOCEAN_SPACES', 'DigitalOcean Spaces.', {
    from: 'region',
    template: 'https://{region}.digitaloceanspaces.com',
  }),
  HETZNER: accessKeyProvider('HETZNER', 'Hetzner Object Storage.', { from: 'region', template: 'https://{region}.your-objectstorage.com' }),
  RABATA: accessKeyProvider('RABATA', 'Rabata.', { from: 'endpointUrl', example: 'https://s3.<region>.rabata.io' }),
  AZURE_BLOB: {
    description: 'Azure Blob Storage.',
    authMethods: {
      AZURE_ACCOUNT_KEY: { member: 'azureAccountKey', description: 'A storage account name and its access key.' },
      AZURE_SAS_URL: { member: 'azureSasUrl', description: 'A URL carrying a shared access signature.' },
    },
    shortKeys: false,
    endpoint: { from: 'credentials', template: 'https://{account_name}.blob.core.windows.net' },
    storageClient: 'azure-blob',
  },
  GCS: {
    description: 'Google Cloud Storage.',
    authMethods: { GCS_SERVICE_ACCOUNT: { member: 'gcsServiceAccount', description: 'A service-account key file.' } },
    shortKeys: false,
    endpoint: { from: 'fixed', url: 'https://storage.googleapis.com' },
    storageClient: 'gcs',
  },
  B2: {
    description: 'Backblaze B2 (through its S3-compatible API).',
    authMethods: { B2_APPLICATION_KEY: { member: 'b2ApplicationKey', description: 'An application key and its id.' } },
    shortKeys: false,
    endpoint: { from: 'region', template: 'https://s3.{region}.backblazeb2.com' },
    storageClient: 's3',
  },
  ENV: {
    description: 'A bundle of env vars (API keys and the like); cannot back a location.',
    authMethods: { ENV_VARS: { member: 'envVars', description: 'Env vars: free keys and values.' } },
    shortKeys: false,
    endpoint: { from: 'none' },
    storageClient: null,
  },
} as const satisfies Record<string, ProviderEntry>;

export type SecretType = keyof typeof PROVIDERS;
export type AuthMethod = { [T in SecretType]: keyof (typeof PROVIDERS)[T]['authMethods'] }[SecretType];

/** Every secret type, in display order. */
export const SECRET_TYPES = Object.keys(PROVIDERS) as readonly SecretType[];

/** Every auth method, in display order (grouped by type). */
export const AUTH_METHODS = SECRET_TYPES.flatMap((type) => Object.keys(PROVIDERS[type].authMethods)) as readonly AuthMethod[];

const METHOD_ENTRIES = new Map<AuthMethod, AuthMethodEntry & { secretType: SecretType }>(
  SECRET_TYPES.flatMap((secretType) =>
    Object.entries(PROVIDERS[secretType].authMethods as Record<AuthMethod, AuthMethodEntry>).map(([method, entry]) => [
      method as AuthMethod,
      { ...entry, secretType },
    ]),
  ),
);

/** An auth method's catalogue entry, with the secret type it belongs to. */
export function authMethodEntry(method: AuthMethod): Readonly<AuthMethodEntry & { secretType: SecretType }> {
  const entry = METHOD_ENTRIES.get(method);
  if (!entry) throw new TypeError('Unknown auth method');
  return entry;
}

/** The secret types authenticated by an S3-style access key pair (one `<TYPE>_ACCESS_KEY` method each). */
export const S3_STYLE_SECRET_TYPES = SECRET_TYPES.filter((type) =>
  authMethodsFor(type).every((method) => credentialsMemberFor(method) === 'accessKey'),
);

const PUBLIC_FIELDS: ReadonlyMap<CredentialsInputMember, readonly CredentialField[]> = new Map(
  CREDENTIALS_INPUT_MEMBERS.map((member) => [
    member,
    Object.freeze(
      CREDENTIAL_SHAPES[member].fields.map(({ name, inputField, envVar, description }) =>
        Object.freeze({ name, inputField, envVar, description }),
      ),
    ),
  ]),
);

// ---------------------------------------------------------------------------------------------
// Lookups

/** Type guard for values read from the database or other untyped sources. */
export function isSecretType(value: unknown): value is SecretType {
  return (SECRET_TYPES as readonly unknown[]).includes(value);
}

/** Type guard for values read from the database or other untyped sources. */
export function isAuthMethod(value: unknown): value is AuthMethod {
  return (AUTH_METHODS as readonly unknown[]).includes(value);
}

/** The auth methods a secret type accepts (AUTH_METHOD_INVALID_FOR_TYPE otherwise), in display order. */
export function authMethodsFor(type: SecretType): readonly AuthMethod[] {
  return (PROVIDERS[type] ? Object.keys(PROVIDERS[type].authMethods) : []) as AuthMethod[];
}

/** The method used when `authMethod` is omitted: the type's only one, or null when it has several (Azure). */
export function defaultAuthMethod(type: SecretType): AuthMethod | null {
  const methods = authMethodsFor(type);
  return methods.length === 1 ? methods[0]! : null;
}

/** Whether `method` is valid for `type` (`AUTH_METHOD_INVALID_FOR_TYPE` otherwise). */
export function isAuthMethodValidFor(type: SecretType, method: AuthMethod): boolean {
  return authMethodsFor(type).includes(method);
}

/** The secret type an auth method belongs to. */
export function secretTypeOf(method: AuthMethod): SecretType {
  return authMethodEntry(method).secretType;
}

/** The `@oneOf` credentials member an auth method takes. */
export function credentialsMemberFor(method: AuthMethod): CredentialsInputMember {
  return authMethodEntry(method).member;
}

/** The fixed credential fields of an auth method, in order; empty for ENV_VARS (free keys). */
export function credentialFieldsFor(method: AuthMethod): readonly CredentialField[] {
  return PUBLIC_FIELDS.get(credentialsMemberFor(method)) ?? [];
}

/** The fixed fields of an auth method with their normalisation, for validation and sealing. */
export function credentialFieldEntriesFor(method: AuthMethod): readonly CredentialFieldEntry[] {
  return CREDENTIAL_SHAPES[credentialsMemberFor(method)].fields;
}

/** Whether a secret type's keys may be short (S3_COMPATIBLE: self-hosted servers). */
export function allowsShortKeys(type: SecretType): boolean {
  return PROVIDERS[type].shortKeys;
}

/**
 * Whether secrets of this type may live in an external vault. ENV secrets may not: their keys
 * are free-form, so there is no fixed set of fields for `fieldMappings` to cover.
 */
export function supportsExternalVault(type: SecretType): boolean {
  return authMethodsFor(type).every((method) => credentialFieldsFor(method).length > 0);
}

/** What a location says about where its bucket is. */
export interface LocationEndpoint {
  region?: string | null;
  endpointUrl?: string | null;
}

/**
 * The endpoint a location of this type is reached at (DESIGN §6.2 "Endpoints"): its
 * `endpointUrl` when set; else the provider's rule, `{region}` filled from the location (or
 * the provider's default region). Null when the location lacks what its provider needs (a
 * region, or an `endpointUrl` where the host names the account) and for ENV. Azure's is named by
 * the credentials: given them (server side, at verification), `{account_name}` is filled, and a
 * SAS URL answers its own origin and path; without them, the template.
 */
export function endpointFor(type: SecretType, location: LocationEndpoint, credentials?: ReadonlyMap<string, string>): string | null {
  const rule: EndpointRule = PROVIDERS[type].endpoint;
  if (rule.from === 'none') return null;
  if (location.endpointUrl) return location.endpointUrl;
  switch (rule.from) {
    case 'region': {
      const region = location.region || rule.defaultRegion;
      return region ? rule.template.replace('{region}', region) : null;
    }
    case 'fixed':
      return rule.url;
    case 'credentials': {
      if (!credentials) return rule.template;
      const sasUrl = URL.parse(credentials.get('sas_url') ?? '');
      if (sasUrl) return `${sasUrl.origin}${sasUrl.pathname.replace(/\/+$/, '')}`;
      let complete = true;
      const filled = rule.template.replace(/\{(\w+)\}/g, (_, field: string) => {
        const value = credentials.get(field);
        if (!value) complete = false;
        return value ?? '';
      });
      return complete ? filled : null;
    }
    case 'endpointUrl':
      return null;
  }
}

/** The region requests are signed for (SigV4): the location's, else the provider's default, else us-east-1 (what R2, MinIO and most S3-compatible servers accept). */
export function signingRegionFor(type: SecretType, location: LocationEndpoint): string {
  const rule: EndpointRule = PROVIDERS[type].endpoint;
  return location.region || (rule.from === 'region' ? rule.defaultRegion : undefined) || 'us-east-1';
}
