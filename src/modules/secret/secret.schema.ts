import { builder, type BuilderTypes } from '../../graphql/builder.ts';
import { secretListNesting, secretNesting } from './secret.lookahead.ts';
import { fieldsBelow } from '../../graphql/lookahead.ts';
import { idInputField, inputMutationField, versionedInputFields } from '../../graphql/input-mutation.ts';
import { changeMutationField } from '../../graphql/change-mutation.schema.ts';
import { describedEnum } from '../../graphql/described-enum.ts';
import { loadEach, prefetchNodeWith } from '../../graphql/node-loading.ts';
import { compositeId, isUuid, toGlobalId } from '../../graphql/global-id.ts';
import { filteredListArgs } from '../../graphql/list-order.schema.ts';
import { nameOrderedEdgeResult } from '../../graphql/created-edge.ts';
import { userField } from '../auth/auth.schema.ts';
import { TeamRef } from '../team/team.schema.ts';
import { teamObjectNode } from '../team/team-object.schema.ts';
import { VaultConnectionRef } from '../vault-connection/vault-connection.schema.ts';
import { loadVaultConnection } from '../vault-connection/vault-connection.service.ts';
import {
  AUTH_METHODS,
  authMethodEntry,
  CREDENTIAL_SHAPES,
  CREDENTIALS_INPUT_MEMBERS,
  PROVIDERS,
  SECRET_TYPES,
  type AuthMethod,
  type CredentialsInput,
  type CredentialsMemberValues,
  type FixedCredentialsMember,
  type SecretType,
} from './provider-catalogue.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, description, idempotencyKey } from '../shared/rules.ts';
import { DEFAULT_RECOVERY_WINDOW_DAYS, recoveryWindowDays, rotationEveryDays, secretName, serviceSlug } from './secret.rules.ts';
import { SECRET_STATUSES, SECRET_VERSION_STAGES, type SecretStatus, type SecretVersionStage } from './secret.policy.ts';
import { SECRET_PRESETS, type SecretPreset } from './presets.ts';
import {
  cancelSecretRotation,
  createSecret,
  deleteSecret,
  destroySecretVersion,
  promoteSecretVersion,
  restoreSecretVersion,
  findTeamSecretByName,
  listTeamSecrets,
  prefetchSecret,
  listVersionsOfSecret,
  loadSecret,
  loadSecretVersion,
  restoreSecret,
  rotateSecret,
  updateSecret,
  viewerSeesKeys,
  type CredentialFieldView,
  type RotationPolicy,
  type Secret,
  type SecretVersion,
} from './secret.service.ts';

export const SecretTypeEnum = builder.enumType('SecretType', {
  description: 'What the credentials are for: a storage provider, or ENV for free env vars. Decides the valid `AuthMethod`s.',
  values: Object.fromEntries(SECRET_TYPES.map((type) => [type, { description: PROVIDERS[type].description }])) as Record<
    SecretType,
    { description: string }
  >,
});
export const AuthMethodEnum = builder.enumType('AuthMethod', {
  description:
    'The kind of credentials a secret holds: its credential fields, and the `credentials` member that sets them. Each belongs to one `SecretType`.',
  values: Object.fromEntries(
    AUTH_METHODS.map((method) => {
      const { secretType, member, description } = authMethodEntry(method);
      return [method, { description: `${description} For ${secretType}, in \`credentials.${member}\`.` }];
    }),
  ) as Record<AuthMethod, { description: string }>,
});
export const StorageEnum = builder.enumType('SecretStorage', {
  description: 'Where a secret’s values live. Fixed at creation.',
  values: {
    NATIVE: { description: 'Stored here, encrypted.' },
    EXTERNAL_VAULT: { description: 'Read from a vault connection through fieldMappings; nothing secret is stored here.' },
  },
});
export const VisibilityEnum = builder.enumType('SecretVisibility', {
  description: 'Who sees a secret’s keys and may change it.',
  values: {
    TEAM: { description: 'Shared with the team.' },
    PRIVATE: { description: 'Its owner’s alone: others never see its keys; only OWNER and ADMIN see that it exists.' },
  },
});
export const WorkspaceAccessEnum = builder.enumType('WorkspaceAccess', {
  description: 'Which workspaces may use a secret.',
  values: {
    ALL: { description: 'Every workspace of the team, present and future.' },
    SOME: { description: 'Only those in `allowedWorkspaces`.' },
    NONE: { description: 'No workspace.' },
  } as const,
});

const STATUS_DESCRIPTIONS: Record<SecretStatus, string> = {
  ACTIVE: 'Neither expired nor due for rotation.',
  ROTATION_DUE: '`nextRotationAt` has come: the rotation policy wants new credentials (`rotateSecret`).',
  EXPIRED: '`expiresAt` has come: `cli run` refuses the secret (SECRET_EXPIRED). Wins over ROTATION_DUE.',
  SCHEDULED_FOR_DELETION:
    '`deleteSecret` scheduled it for deletion at `purgeAt`: hidden from `Team.secrets` unless asked for, every change but `restoreSecret` and `cli run` refused (SECRET_DELETED). Wins over the others.',
};
export const SecretStatusEnum = describedEnum(
  'SecretStatus',
  'Where a secret stands in its lifecycle, computed when read: the first that applies from the end (SCHEDULED_FOR_DELETION, then EXPIRED, then ROTATION_DUE, else ACTIVE).',
  SECRET_STATUSES,
  STATUS_DESCRIPTIONS,
);

const RotationPolicyRef = builder.objectRef<RotationPolicy>('SecretRotationPolicy').implement({
  description: 'How often a secret’s credentials should be rotated.',
  fields: (t) => ({
    everyDays: t.exposeInt('everyDays', { description: 'Days after the current version was stored that rotation is due (1–3650).' }),
  }),
});

const RotationPolicyInput = builder.inputType('SecretRotationPolicyInput', {
  description: 'How often a secret’s credentials should be rotated.',
  fields: (t) => ({
    everyDays: t.int({
      required: true,
      validate: rotationEveryDays,
      description: 'Rotation is due this many days after the current version was stored: 1–3650, else VALIDATION_FAILED.',
    }),
  }),
});

/** The name rule of secrets (src/modules/shared/names.ts and the secrets_*_name_key indexes), as clients read it. */
const SECRET_NAME_DESCRIPTION =
  '1–255 characters, no control or invisible characters. Unique among the team’s TEAM secrets (shared) or among your own PRIVATE secrets, compared after Unicode NFKC normalisation and case folding (`ﬁle` is `file`).';

/** Who may change, rotate or delete a secret (authorizeSecretWrite in secret.service.ts). */
const SECRET_WRITE_ROLES =
  'TEAM secrets: ADMIN or OWNER; a PRIVATE secret: its owner alone (at least OPERATOR for ENV secrets, at least ADMIN for the others).';

const VersionReasonEnum = builder.enumType('SecretVersionReason', {
  description: 'Which mutation stored a version.',
  values: {
    CREATE: { description: '`createSecret`: the first version.' },
    UPDATE: { description: '`updateSecret` changed the credentials or field mappings.' },
    ROTATE: { description: '`rotateSecret`: new credentials, same auth method.' },
    RESTORE: { description: '`restoreSecretVersion`: an older version’s credentials, sealed again (`restoredFrom`).' },
  } as const,
});

const STAGE_DESCRIPTIONS: Record<SecretVersionStage, string> = {
  CURRENT: 'The live credentials: what `cli run` injects and `Secret.credentialFields` previews. Always on exactly one version.',
  PENDING: 'Staged by `rotateSecret(stage: PENDING)`, not live until `promoteSecretVersion`; `cancelSecretRotation` drops it.',
  PREVIOUS: 'The version that was CURRENT before the last change of CURRENT: where a rollback (`promoteSecretVersion`) goes.',
};
export const SecretVersionStageEnum = describedEnum(
  'SecretVersionStage',
  'A label on a version of a secret (as AWS Secrets Manager’s staging labels). Each is on at most one version of a secret.',
  SECRET_VERSION_STAGES,
  STAGE_DESCRIPTIONS,
);

const CredentialFieldRef = builder.objectRef<CredentialFieldView>('CredentialField').implement({
  description: 'One credential field: never its value, only a masked preview computed when it was written.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The field, e.g. `access_key_id`, or the key of an ENV secret.' }),
    envVar: t.exposeString('envVar', { description: 'The conventional environment variable for this field.' }),
    maskedValue: t.exposeString('maskedValue', {
      nullable: true,
      description:
        'At most a quarter of the value around `••••` (at most the first 4 and last 3 characters: `AKIA••••XYZ`); `••••` alone under 16 characters; null for EXTERNAL_VAULT secrets.',
    }),
  }),
});

const FieldMappingRef = builder.objectRef<{ fieldName: string; reference: string }>('FieldMapping').implement({
  description: 'Where an EXTERNAL_VAULT secret reads one credential field from.',
  fields: (t) => ({
    fieldName: t.exposeString('fieldName', { description: 'A credential field of the auth method, e.g. `access_key_id`.' }),
    reference: t.exposeString('reference', {
      description: 'The vault’s name for the value: 1Password `op://…`, a Doppler or Infisical secret name.',
    }),
  }),
});

export const SecretVersionRef = builder.objectRef<SecretVersion>('SecretVersion');
builder.node(SecretVersionRef, {
  description: 'An immutable record of a credentials change (metadata only). Visible to whoever sees its secret.',
  id: { resolve: (v) => compositeId(v.secretId, v.version) },
  loadManyWithoutCache: loadEach(loadSecretVersion),
  fields: (t) => ({
    version: t.exposeInt('version', { description: 'The secret’s `version` this change made.' }),
    reason: t.field({ type: VersionReasonEnum, description: 'What made the change.', resolve: (v) => v.reason }),
    stages: t.field({
      type: [SecretVersionStageEnum],
      description: 'The stages this version holds now; empty for a version no stage points at.',
      resolve: (v) => v.stages,
    }),
    credentialFields: t.field({
      type: [CredentialFieldRef],
      nullable: true,
      description:
        'This version’s own masked previews, stored when it was written (they stay after `destroySecretVersion`). Null on another member’s PRIVATE secret, and for a version that was not CURRENT when previews began to be kept per version.',
      resolve: (v, _args, ctx) => (viewerSeesKeys(ctx, v) ? v.credentialFields : null),
    }),
    restoredFrom: t.exposeInt('restoredFrom', {
      nullable: true,
      description: '`restoreSecretVersion`: the version whose credentials this one holds again; null otherwise.',
    }),
    destroyedAt: t.expose('destroyedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When `destroySecretVersion` erased its credentials for good; null while it holds them.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the change was made.' }),
    createdBy: userField(
      t,
      'Who made the change; null for an operator at the CLI, and once the user is no longer visible to you.',
      (v) => v.createdBy,
    ),
  }),
});

export const SecretRef = teamObjectNode<Secret>('Secret', {
  description: 'Credentials for cloud storage or a bundle of env vars. Plaintext is never returned.',
  load: loadSecret,
  what: 'secret',
  nameDescription: SECRET_NAME_DESCRIPTION,
  fields: (t) => ({
    secretType: t.field({ type: SecretTypeEnum, description: 'What the credentials are for.', resolve: (s) => s.secretType }),
    authMethod: t.field({
      type: AuthMethodEnum,
      description: 'The kind of credentials; valid for `secretType`.',
      resolve: (s) => s.authMethod,
    }),
    storage: t.field({
      type: StorageEnum,
      description: 'Stored here (NATIVE) or read from a vault (EXTERNAL_VAULT).',
      resolve: (s) => s.storage,
    }),
    vaultConnection: t.field({
      type: VaultConnectionRef,
      nullable: true,
      description: 'EXTERNAL_VAULT secrets: the vault the values are read from; null for NATIVE ones.',
      resolve: (s, _args, ctx) => (s.vaultConnectionId ? loadVaultConnection(ctx, s.vaultConnectionId) : null),
    }),
    fieldMappings: t.field({
      type: [FieldMappingRef],
      nullable: true,
      description: 'EXTERNAL_VAULT secrets: one vault reference per credential field; null for NATIVE ones.',
      resolve: (s) => s.fieldMappings,
    }),
    credentialFields: t.field({
      type: [CredentialFieldRef],
      nullable: true,
      description: 'Null on another member’s PRIVATE secret.',
      resolve: (s, _args, ctx) => (viewerSeesKeys(ctx, s) ? s.credentialFields : null),
    }),
    envVarKeys: t.stringList({
      nullable: true,
      description: 'The env var names the credentials provide; null on another member’s PRIVATE secret.',
      resolve: (s, _args, ctx) => (viewerSeesKeys(ctx, s) ? s.credentialFields.map((field) => field.envVar) : null),
    }),
    visibility: t.field({ type: VisibilityEnum, description: 'Shared with the team, or its owner’s alone.', resolve: (s) => s.visibility }),
    owner: userField(t, 'The user a PRIVATE secret belongs to.', (s) => s.ownerId),
    serviceSlug: t.exposeString('serviceSlug', { nullable: true, description: 'The service the secret is for, e.g. "openai".' }),
    workspaceAccess: t.field({ type: WorkspaceAccessEnum, description: 'Which workspaces may use it.', resolve: (s) => s.workspaceAccess }),
    currentVersion: t.exposeInt('currentVersion', {
      description: 'The version holding CURRENT: the live credentials, those `credentialFields` and `envVarKeys` describe.',
    }),
    pendingVersion: t.exposeInt('pendingVersion', {
      nullable: true,
      description: 'The version holding PENDING (staged by `rotateSecret(stage: PENDING)`); null when no rotation is in progress.',
    }),
    previousVersion: t.exposeInt('previousVersion', {
      nullable: true,
      description: 'The version holding PREVIOUS (CURRENT before the last change of CURRENT); null before any.',
    }),
    lastRotatedAt: t.expose('lastRotatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When new credentials last went live through `rotateSecret` (stage CURRENT) or `promoteSecretVersion`; null if never.',
    }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the secret expires: from then on its status is EXPIRED and `cli run` refuses it (SECRET_EXPIRED); null = never.',
    }),
    rotationPolicy: t.field({
      type: RotationPolicyRef,
      nullable: true,
      description: 'How often the credentials should be rotated; null = no policy.',
      resolve: (s) => s.rotationPolicy,
    }),
    nextRotationAt: t.expose('nextRotationAt', {
      type: 'DateTime',
      nullable: true,
      description:
        'When rotation is due: the CURRENT version’s creation time plus `rotationPolicy.everyDays` (a PENDING one does not count); null without a policy.',
    }),
    status: t.field({
      type: SecretStatusEnum,
      description:
        'SCHEDULED_FOR_DELETION while `deletedAt` is set, else EXPIRED once `expiresAt` has come, else ROTATION_DUE once `nextRotationAt` has, else ACTIVE.',
      resolve: (s) => s.status,
    }),
    deletedAt: t.expose('deletedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When `deleteSecret` scheduled it for deletion; null when it is not scheduled.',
    }),
    purgeAt: t.expose('purgeAt', {
      type: 'DateTime',
      nullable: true,
      description:
        'When the recovery window ends: from then on the purge removes the secret and all its versions for good (`restoreSecret` cancels it until then); null when it is not scheduled.',
    }),
    locationCount: t.exposeInt('locationCount', {
      description: 'How many locations use it; while any do, it cannot be deleted (SECRET_IN_USE).',
    }),
    versions: t.connection({
      type: SecretVersionRef,
      description: 'Credentials changes, newest first.',
      resolve: (s, args, ctx) => listVersionsOfSecret(ctx, s, args),
    }),
  }),
});
// node(id) of a secret reads it with its creator and locations in one statement, when asked for them.
prefetchNodeWith('Secret', (ctx, id, info) => prefetchSecret(ctx, id, secretNesting(info, fieldsBelow(info, []))));

export const SecretFilterInput = builder.inputType('SecretFilter', {
  description: 'Only secrets that match every field given.',
  fields: (t) => ({
    secretType: t.field({ type: SecretTypeEnum, description: 'Of this type.' }),
    storage: t.field({ type: StorageEnum, description: 'Stored this way.' }),
    search: t.string({ description: 'Case-insensitive substring of the name.' }),
    serviceSlug: t.string({ description: 'For this service, e.g. "openai".' }),
    visibility: t.field({ type: VisibilityEnum, description: 'TEAM or PRIVATE.' }),
    status: t.field({ type: SecretStatusEnum, description: 'In this status now.' }),
    expiresBefore: t.field({ type: 'DateTime', description: 'Expiring before this instant (already expired ones included).' }),
    rotationDueBefore: t.field({
      type: 'DateTime',
      description: 'With a rotation policy whose `nextRotationAt` is before this instant (overdue ones included).',
    }),
    deleted: t.boolean({
      description:
        'true: only secrets scheduled for deletion (`deleteSecret`, restorable until `purgeAt`). Otherwise they are left out, unless `status` is SCHEDULED_FOR_DELETION.',
    }),
  }),
});

/** The edges of `Team.secrets`, also on `createSecret`'s success (`secretEdge`). */
const TeamSecretsEdge = builder.edgeObject({ name: 'TeamSecretsConnectionEdge', type: SecretRef });

builder.objectField(TeamRef, 'secrets', (t) =>
  t.connection(
    {
      type: SecretRef,
      description:
        'The team’s secrets you can see: TEAM ones, your PRIVATE ones and (OWNER and ADMIN) other members’ PRIVATE ones. Secrets scheduled for deletion only with `filter: { deleted: true }`.',
      args: filteredListArgs(t.arg, SecretFilterInput, 'Only secrets that match.'),
      resolve: (team, args, ctx, info) => listTeamSecrets(ctx, team.id, args, secretListNesting(info, info.fieldNodes)),
    },
    {},
    TeamSecretsEdge,
  ),
);

builder.objectField(TeamRef, 'secretByName', (t) =>
  t.field({
    type: SecretRef,
    nullable: true,
    description:
      'The secret with this name (compared after NFKC normalisation and case folding), for clients that address secrets by alias: your own PRIVATE secret first, then the TEAM one, then (OWNER and ADMIN) the oldest of other members’ PRIVATE ones.',
    args: { name: t.arg.string({ required: true, description: 'The name, in any case or Unicode compatibility form.' }) },
    resolve: (team, { name }, ctx) => findTeamSecretByName(ctx, team.id, name),
  }),
);

const SecretPresetRef = builder.objectRef<SecretPreset>('SecretPreset').implement({
  description: 'A provider with conventional env var names; `createSecret(preset, value)` names the key from it.',
  fields: (t) => ({
    slug: t.exposeString('slug', {
      description: 'Stable id, for `createSecret(preset)`; also the default `serviceSlug` of secrets made from it.',
    }),
    label: t.exposeString('label', { description: 'A name to show.' }),
    envVars: t.exposeStringList('envVars', { description: 'The conventional env var names, in the order the provider documents them.' }),
    secretType: t.field({
      type: SecretTypeEnum,
      nullable: true,
      description: 'The storage type these are credentials of; null for plain API keys.',
      resolve: (p) => p.secretType,
    }),
  }),
});

builder.queryField('secretPresets', (t) =>
  t.field({
    type: [SecretPresetRef],
    description: 'Providers with conventional env var names: API keys and every storage auth method.',
    resolve: () => SECRET_PRESETS,
  }),
);

const EnvVarInput = builder.inputType(CREDENTIAL_SHAPES.envVars.inputType, {
  description: 'One env var of an ENV secret.',
  fields: (t) => ({
    key: t.string({ required: true, description: '`^[A-Z_][A-Z0-9_]*$`, 1–128 characters.' }),
    value: t.string({ required: true, description: 'At most 45,000 characters.' }),
  }),
});

/** What `implement` takes as the fields of an input object of shape T. */
type InputFields<T extends object> = ReturnType<Parameters<ReturnType<typeof builder.inputRef<T>>['implement']>[0]['fields']>;

/**
 * The input object of one fixed credentials member, its fields from the catalogue. The cast
 * only restates what `CredentialsMemberValues` derives from the same catalogue entries.
 */
function credentialsMemberInput<M extends FixedCredentialsMember>(member: M) {
  const shape = CREDENTIAL_SHAPES[member];
  return builder.inputRef<CredentialsMemberValues<M>>(shape.inputType).implement({
    description: shape.description,
    fields: (t) =>
      Object.fromEntries(
        shape.fields.map((field) => [field.inputField, t.string({ required: true, description: field.description })]),
      ) as unknown as InputFields<CredentialsMemberValues<M>>,
  });
}

const FIXED_MEMBERS = CREDENTIALS_INPUT_MEMBERS.filter((member): member is FixedCredentialsMember => member !== 'envVars');

export const SecretCredentialsInput = builder.inputRef<CredentialsInput>('SecretCredentialsInput').implement({
  description: 'Exactly one member: the one of the secret’s auth method. Stored encrypted, never returned.',
  isOneOf: true,
  fields: (t) => ({
    ...Object.fromEntries(
      FIXED_MEMBERS.map((member) => [
        member,
        t.field({ type: credentialsMemberInput(member), description: CREDENTIAL_SHAPES[member].description }),
      ]),
    ),
    envVars: t.field({ type: [EnvVarInput], description: CREDENTIAL_SHAPES.envVars.description }),
  }),
});

const RenameKeyInput = builder.inputType('RenameKeyInput', {
  description: 'Renames one key of an ENV secret, keeping its value.',
  fields: (t) => ({
    from: t.string({ required: true, description: 'A key the secret has.' }),
    to: t.string({ required: true, description: 'Its new name: `^[A-Z_][A-Z0-9_]*$`, 1–128 characters, not a key the secret has.' }),
  }),
});

const FieldMappingInput = builder.inputType('FieldMappingInput', {
  description: 'Where an EXTERNAL_VAULT secret reads one credential field from.',
  fields: (t) => ({
    fieldName: t.string({ required: true, description: 'A credential field of the auth method, e.g. `access_key_id`.' }),
    reference: t.string({
      required: true,
      description: '1Password `op://vault/item[/section]/field`; Doppler `NAME`; Infisical `NAME` or `/path/NAME`.',
    }),
  }),
});

/** Sharing, tagging and workspace fields, alike on create and update. */
function sharingInputFields(t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>) {
  return {
    shared: t.boolean({
      description: 'false: a PRIVATE secret of yours (OPERATORs may create PRIVATE ENV secrets). Default true on create.',
    }),
    serviceSlug: t.string({ validate: serviceSlug, description: '1–64 characters; null clears it.' }),
    workspaceAccess: t.field({ type: WorkspaceAccessEnum, description: 'Default ALL on create.' }),
    // Decoded without a type: an id of anything else is an UNKNOWN_WORKSPACE field error at its index, not a NotFoundError.
    allowedWorkspaces: t.globalIDList({
      description: 'Workspace ids. Required and non-empty with workspaceAccess SOME; ignored otherwise.',
    }),
  };
}

/** Expiry and rotation policy fields, alike on create and update. */
function lifecycleInputFields(t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>) {
  return {
    expiresAt: t.field({
      type: 'DateTime',
      description:
        'When the secret expires (`cli run` then refuses it: SECRET_EXPIRED). Any future instant; one not in the future is VALIDATION_FAILED (an unchanged value on update is not judged again). null: never expires (on update, clears it).',
    }),
    rotationPolicy: t.field({
      type: RotationPolicyInput,
      description: 'How often the credentials should be rotated (sets `nextRotationAt`); null: no policy (on update, clears it).',
    }),
  };
}

/** `allowedWorkspaces` as row ids; null for an id that is not a Workspace's (the service reports it at its index). */
function workspaceIds(ids: readonly { typename: string; id: string }[] | null | undefined): (string | null)[] | undefined {
  return ids?.map(({ typename, id }) => (typename === 'Workspace' && isUuid(id) ? id : null));
}

const CreateSecretInput = builder.inputType('CreateSecretInput', {
  description:
    'A new secret: NATIVE with `credentials`, EXTERNAL_VAULT with `vaultConnectionId` and `fieldMappings`, or a preset with `value`.',
  fields: (t) => ({
    teamId: idInputField(t, TeamRef),
    name: t.string({ validate: secretName, description: SECRET_NAME_DESCRIPTION + ' With a preset, defaults to its env var.' }),
    description: t.string({ validate: description, description: 'Free text, at most 2000 characters.' }),
    secretType: t.field({ type: SecretTypeEnum, description: 'Required unless a preset is given (then ENV).' }),
    authMethod: t.field({ type: AuthMethodEnum, description: 'May be omitted when the type has exactly one.' }),
    credentials: t.field({ type: SecretCredentialsInput, description: 'NATIVE secrets.' }),
    vaultConnectionId: t.globalID({
      for: VaultConnectionRef,
      description: 'EXTERNAL_VAULT secrets: the connection to read from (cannot change later).',
    }),
    fieldMappings: t.field({ type: [FieldMappingInput], description: 'EXTERNAL_VAULT secrets: one reference per credential field.' }),
    ...sharingInputFields(t),
    ...lifecycleInputFields(t),
    idempotencyKey: t.string({ validate: idempotencyKey, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    preset: t.string({ description: 'A `secretPresets` slug; with `value`, makes an ENV secret keyed by the preset’s env var.' }),
    value: t.string({ description: 'The single value of a preset secret.' }),
  }),
});

inputMutationField('createSecret', SecretRef, {
  description:
    'Creates a secret (ADMIN or OWNER; an OPERATOR may create PRIVATE ENV secrets, `shared: false`). Error codes: NAME_TAKEN, AUTH_METHOD_INVALID_FOR_TYPE, INVALID_CREDENTIALS, CREDENTIALS_REQUIRED, FIELD_MAPPINGS_REQUIRED, CREDENTIALS_NOT_ALLOWED, FIELD_MAPPINGS_NOT_ALLOWED, CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE, INVALID_FIELD_MAPPINGS, RESERVED_ENV_KEY, UNKNOWN_PRESET, PRESET_CONFLICT, WORKSPACES_REQUIRED, UNKNOWN_WORKSPACE, IDEMPOTENCY_KEY_REUSED.',
  input: [CreateSecretInput, 'The secret to create.'],
  data: ['secret', 'The secret created (version 1).'],
  result: nameOrderedEdgeResult('secretEdge', TeamSecretsEdge, 'Team.secrets', 'secrets'),
  resolve: (input, ctx) =>
    createSecret(ctx, {
      ...input,
      teamId: input.teamId.id,
      allowedWorkspaces: workspaceIds(input.allowedWorkspaces),
      vaultConnectionId: input.vaultConnectionId?.id ?? null,
    }),
});

changeMutationField('updateSecret', SecretRef, {
  description: `Changes a secret. ${SECRET_WRITE_ROLES} Changing \`shared\` needs ADMIN or OWNER. Error codes: NAME_TAKEN, VERSION_MISMATCH, LOCATION_TYPE_MISMATCH, AUTH_METHOD_INVALID_FOR_TYPE, INVALID_CREDENTIALS, CREDENTIALS_REQUIRED, FIELD_MAPPINGS_REQUIRED, CREDENTIALS_NOT_ALLOWED, FIELD_MAPPINGS_NOT_ALLOWED, CREDENTIALS_AND_FIELD_MAPPINGS_EXCLUSIVE, INVALID_FIELD_MAPPINGS, ENV_ONLY, VALUES_AND_KEY_OPERATIONS_EXCLUSIVE, INVALID_KEY_OPERATIONS, RESERVED_ENV_KEY, SECRET_NOT_SHARED, WORKSPACES_REQUIRED, UNKNOWN_WORKSPACE, PAYLOAD_MISSING, SECRET_DELETED (scheduled for deletion: \`restoreSecret\` first).`,
  input: 'A change to a secret; omitted fields stay as they are. A change that stores what is already stored makes no new version.',
  fields: (t) => ({
    name: t.string({ validate: secretName, description: SECRET_NAME_DESCRIPTION }),
    description: t.string({ validate: description, description: 'null clears it.' }),
    secretType: t.field({ type: SecretTypeEnum, description: 'Every linked location must already be of the new type.' }),
    authMethod: t.field({
      type: AuthMethodEnum,
      description: 'A change needs new credentials (NATIVE) or fieldMappings (EXTERNAL_VAULT).',
    }),
    credentials: t.field({
      type: SecretCredentialsInput,
      description: 'NATIVE secrets: new credentials, for the new or current auth method (a new version).',
    }),
    fieldMappings: t.field({
      type: [FieldMappingInput],
      description: 'EXTERNAL_VAULT secrets: new references, one per credential field (a new version).',
    }),
    values: t.field({ type: [EnvVarInput], description: 'ENV secrets: replaces every key and value.' }),
    renameKeys: t.field({ type: [RenameKeyInput], description: 'ENV secrets: renames keys, keeping their values. Applied first.' }),
    removeKeys: t.stringList({ description: 'ENV secrets: removes keys (at least one). Applied second.' }),
    addValues: t.field({ type: [EnvVarInput], description: 'ENV secrets: adds keys that do not exist yet. Applied last.' }),
    ...sharingInputFields(t),
    ...lifecycleInputFields(t),
  }),
  expectedVersion: 'Fail with VERSION_MISMATCH unless the secret is at this version.',
  resolve: (input, ctx) => updateSecret(ctx, { ...input, allowedWorkspaces: workspaceIds(input.allowedWorkspaces) }),
});

changeMutationField('rotateSecret', SecretRef, {
  description: `New credentials for a NATIVE secret, same auth method: a new version, CURRENT (lastRotatedAt set) or PENDING. ${SECRET_WRITE_ROLES} Error codes: INVALID_CREDENTIALS, RESERVED_ENV_KEY, CREDENTIALS_NOT_ALLOWED (EXTERNAL_VAULT secrets rotate in their vault), ROTATION_IN_PROGRESS (a PENDING version exists), VALIDATION_FAILED (stage PREVIOUS), VERSION_MISMATCH, SECRET_DELETED (scheduled for deletion: \`restoreSecret\` first).`,
  input: 'New credentials for a NATIVE secret.',
  argument: 'The secret and its new credentials.',
  fields: (t) => ({
    credentials: t.field({
      type: SecretCredentialsInput,
      required: true,
      description: 'The new credentials, for the secret’s current auth method.',
    }),
    stage: t.field({
      type: SecretVersionStageEnum,
      description:
        'CURRENT (default): the new version is live at once and the old CURRENT becomes PREVIOUS. PENDING: the new version is only staged (CURRENT untouched) until `promoteSecretVersion`. PREVIOUS is VALIDATION_FAILED.',
    }),
  }),
  resolve: (input, ctx) => rotateSecret(ctx, input),
});

/** `version`: the one version of the secret a stage move names. */
function secretVersionField(t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>, description: string) {
  return t.int({ required: true, description: `${description} A number the secret has no version of is NOT_FOUND.` });
}

changeMutationField('promoteSecretVersion', SecretRef, {
  description: `Makes a version CURRENT: the old CURRENT becomes PREVIOUS, PENDING is cleared, lastRotatedAt set. ${SECRET_WRITE_ROLES} \`force\` needs ADMIN or OWNER. Audit: secret.version_promoted. Error codes: VERIFICATION_REQUIRED (unless \`force\`: every linked location must have PASSED \`verifySecret\` with this version since it was staged), SECRET_DELETED, NOT_FOUND, VERSION_ALREADY_CURRENT, VERSION_DESTROYED, VERSION_NOT_RESTORABLE (another auth method, or an EXTERNAL_VAULT secret), VERSION_MISMATCH.`,
  input: 'Which version of a secret becomes CURRENT.',
  argument: 'The secret and the version to promote.',
  fields: (t) => ({
    version: secretVersionField(t, 'The version to make CURRENT: normally the PENDING one; PREVIOUS (or any older one) rolls back.'),
    force: t.boolean({
      description:
        'ADMIN or OWNER only: promote without the verification the promotion gate asks for. Recorded in the audit event (`force` among its changedFields).',
    }),
  }),
  resolve: (input, ctx) => promoteSecretVersion(ctx, input),
});

changeMutationField('cancelSecretRotation', SecretRef, {
  description: `Clears PENDING; the version stays, with no stage (destroySecretVersion may erase it). ${SECRET_WRITE_ROLES} Audit: secret.rotation_cancelled. Error codes: SECRET_DELETED, NO_ROTATION_IN_PROGRESS, VERSION_MISMATCH.`,
  input: 'The secret whose PENDING version to drop.',
  argument: 'The secret.',
  resolve: (input, ctx) => cancelSecretRotation(ctx, input),
});

changeMutationField('restoreSecretVersion', SecretRef, {
  description: `A new version N+1 holding version \`version\`’s credentials, sealed again on the server (no plaintext in or out), reason RESTORE, \`restoredFrom\` set; it becomes CURRENT and the old CURRENT PREVIOUS. ${SECRET_WRITE_ROLES} Audit: secret.version_restored. Error codes: SECRET_DELETED, NOT_FOUND, VERSION_DESTROYED, VERSION_NOT_RESTORABLE (another auth method, or an EXTERNAL_VAULT secret), PAYLOAD_MISSING, VERSION_MISMATCH.`,
  input: 'Which earlier version’s credentials to bring back as a new CURRENT version.',
  argument: 'The secret and the version to restore.',
  fields: (t) => ({ version: secretVersionField(t, 'The version whose credentials to restore.') }),
  resolve: (input, ctx) => restoreSecretVersion(ctx, input),
});

changeMutationField('destroySecretVersion', SecretRef, {
  description: `Erases a version’s sealed credentials for good; its metadata and previews stay, \`destroyedAt\` set. ${SECRET_WRITE_ROLES} Audit: secret.version_destroyed. Error codes: SECRET_DELETED, NOT_FOUND, VERSION_IN_USE (CURRENT or PENDING), VERSION_DESTROYED (already), VERSION_MISMATCH.`,
  input: 'Which version’s credentials to erase for good.',
  argument: 'The secret and the version to destroy.',
  fields: (t) => ({ version: secretVersionField(t, 'The version to destroy: neither CURRENT nor PENDING.') }),
  resolve: (input, ctx) => destroySecretVersion(ctx, input),
});

/** Who may delete or restore a secret (authorizeSecretDelete in secret.service.ts). */
const SECRET_DELETE_ROLES = `${SECRET_WRITE_ROLES} ADMIN and OWNER may also delete and restore the PRIVATE secrets of former members.`;

const DeleteSecretInput = builder.inputType('DeleteSecretInput', {
  description: 'The secret to delete, and whether it can be restored for a while (the default) or goes at once.',
  fields: (t) => ({
    ...versionedInputFields(t, SecretRef),
    recoveryWindowDays: t.int({
      validate: recoveryWindowDays,
      description: `Days during which \`restoreSecret\` can bring it back before the purge removes it: 7–30 (VALIDATION_FAILED otherwise). Default ${DEFAULT_RECOVERY_WINDOW_DAYS}.`,
    }),
    forceDeleteWithoutRecovery: t.boolean({
      description:
        'true: delete the secret and all its versions now, with no recovery window (ADMIN or OWNER only). Not together with `recoveryWindowDays` (VALIDATION_FAILED).',
    }),
  }),
});

const DeleteSecretSuccess = builder.objectRef<{ id: string; secret: Secret | null }>('DeleteSecretSuccess').implement({
  description: 'The secret is scheduled for deletion, or (forced) gone.',
  fields: (t) => ({
    deletedSecretId: t.id({
      description: 'The id of the Secret deleted, for Relay’s `@deleteRecord` (it leaves `Team.secrets`).',
      resolve: (success) => toGlobalId('Secret', success.id),
    }),
    secret: t.field({
      type: SecretRef,
      nullable: true,
      description: 'The secret as scheduled (with `deletedAt` and `purgeAt`); null when forced: nothing is left of it.',
      resolve: (success) => success.secret,
    }),
  }),
});

inputMutationField('deleteSecret', DeleteSecretSuccess, {
  description: `Schedules a secret for deletion after a recovery window (it leaves \`Team.secrets\` at once and is purged at \`purgeAt\`, restorable with \`restoreSecret\` until then), or with \`forceDeleteWithoutRecovery\` deletes it and its versions at once. Refused (SECRET_IN_USE) while locations use it. ${SECRET_DELETE_ROLES} Error codes: SECRET_IN_USE, SECRET_DELETED (already scheduled), VERSION_MISMATCH, VALIDATION_FAILED.`,
  input: [DeleteSecretInput, 'The secret to delete, and how.'],
  resolve: async (input, ctx) => {
    const id = input.id.id;
    return { id, secret: await deleteSecret(ctx, { ...input, id }) };
  },
});

changeMutationField('restoreSecret', SecretRef, {
  description: `Cancels a scheduled deletion: the secret is back in \`Team.secrets\`, usable and changeable, its versions intact. Possible until the purge has removed it (at or soon after \`purgeAt\`; NOT_FOUND after). ${SECRET_DELETE_ROLES} Error codes: SECRET_NOT_DELETED (not scheduled for deletion), VERSION_MISMATCH.`,
  input: 'A secret scheduled for deletion, to bring back.',
  argument: 'The secret to restore.',
  data: 'The secret as it is now, no longer scheduled for deletion.',
  resolve: (input, ctx) => restoreSecret(ctx, input),
});
