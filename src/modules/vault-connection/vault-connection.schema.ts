import { builder, type BuilderTypes } from '../../graphql/builder.ts';
import { deleteMutationField } from '../../graphql/delete-mutation.schema.ts';
import { changeMutationField } from '../../graphql/change-mutation.schema.ts';
import { VAULT_TYPES } from '../secret/field-mapping-references.ts';
import { TeamRef } from '../team/team.schema.ts';
import { createTeamObjectMutationField, teamObjectChangeFields, teamObjectNode } from '../team/team-object.schema.ts';
import {
  createVaultConnection,
  deleteVaultConnection,
  listTeamVaultConnections,
  loadVaultConnection,
  rotateVaultConnection,
  updateVaultConnection,
  type VaultConnection,
} from './vault-connection.service.ts';

export const VaultTypeEnum = builder.enumType('VaultType', {
  description: 'The kind of external vault, which decides its `credentials` member and the shape of `fieldMappings` references.',
  values: {
    ONEPASSWORD: { description: '1Password; references are `op://vault/item[/section]/field`.' },
    DOPPLER: { description: 'Doppler; references are secret names (`^[A-Z_][A-Z0-9_]*$`).' },
    INFISICAL: { description: 'Infisical; references are secret names, optionally with a path (`/path/NAME`).' },
  } satisfies Record<(typeof VAULT_TYPES)[number], { description: string }>,
});

export const VaultConnectionRef = teamObjectNode<VaultConnection>('VaultConnection', {
  description:
    'An external vault that EXTERNAL_VAULT secrets read their credentials from. Its own credentials are stored encrypted and never returned.',
  load: loadVaultConnection,
  what: 'connection',
  fields: (t) => ({
    vaultType: t.field({ type: VaultTypeEnum, description: 'The kind of vault; fixed at creation.', resolve: (c) => c.vaultType }),
    lastRotatedAt: t.expose('lastRotatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When `rotateVaultConnection` last replaced its credentials; null if never.',
    }),
  }),
});

/** The edges of `Team.vaultConnections`, also on `createVaultConnection`'s success (`vaultConnectionEdge`). */
const TeamVaultConnectionsEdge = builder.edgeObject({ name: 'TeamVaultConnectionsConnectionEdge', type: VaultConnectionRef });

builder.objectField(TeamRef, 'vaultConnections', (t) =>
  t.connection(
    { type: VaultConnectionRef, description: 'By name.', resolve: (team, args, ctx) => listTeamVaultConnections(ctx, team.id, args) },
    {},
    TeamVaultConnectionsEdge,
  ),
);

const secretField = (t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>, description: string) =>
  t.string({ required: true, description });

const OnePasswordCredentialsInput = builder.inputType('OnePasswordCredentialsInput', {
  description: 'How to reach 1Password. Every field: 1–4096 characters, no surrounding whitespace.',
  fields: (t) => ({ accessToken: secretField(t, 'A 1Password access token.') }),
});
const DopplerCredentialsInput = builder.inputType('DopplerCredentialsInput', {
  description: 'How to reach Doppler. Every field: 1–4096 characters, no surrounding whitespace.',
  fields: (t) => ({
    accessToken: secretField(t, 'A Doppler access token.'),
    project: t.string({ required: true, description: 'The Doppler project.' }),
    config: t.string({ required: true, description: 'The config (environment) of the project, e.g. `prd`.' }),
  }),
});
const InfisicalCredentialsInput = builder.inputType('InfisicalCredentialsInput', {
  description: 'How to reach Infisical, as a machine identity. Every field but secretPath: 1–4096 characters, no surrounding whitespace.',
  fields: (t) => ({
    clientId: t.string({ required: true, description: 'The machine identity’s client id.' }),
    clientSecret: secretField(t, 'The machine identity’s client secret.'),
    projectId: t.string({ required: true, description: 'The Infisical project id.' }),
    environment: t.string({ required: true, description: 'The environment slug, e.g. `prod`.' }),
    secretPath: t.string({ description: 'An absolute folder path, e.g. "/apps/api". Default "/".' }),
  }),
});

const VaultCredentialsInput = builder.inputType('VaultCredentialsInput', {
  description: 'Exactly one member, matching the connection’s vaultType. Stored encrypted, never returned.',
  isOneOf: true,
  fields: (t) => ({
    onePassword: t.field({ type: OnePasswordCredentialsInput, description: 'ONEPASSWORD connections.' }),
    doppler: t.field({ type: DopplerCredentialsInput, description: 'DOPPLER connections.' }),
    infisical: t.field({ type: InfisicalCredentialsInput, description: 'INFISICAL connections.' }),
  }),
});

createTeamObjectMutationField(VaultConnectionRef, {
  description: 'Connects an external vault (ADMIN or OWNER). Error codes: NAME_TAKEN, INVALID_CREDENTIALS, IDEMPOTENCY_KEY_REUSED.',
  input: 'A new vault connection and its credentials.',
  what: 'connection',
  fields: (t) => ({
    vaultType: t.field({ type: VaultTypeEnum, required: true, description: 'The kind of vault; fixed once created.' }),
    credentials: t.field({
      type: VaultCredentialsInput,
      required: true,
      description: 'How to reach the vault: the member of `vaultType` (INVALID_CREDENTIALS otherwise).',
    }),
  }),
  edge: [TeamVaultConnectionsEdge, 'Team.vaultConnections', 'vault_connections'],
  resolve: (input, ctx) => createVaultConnection(ctx, input),
});

changeMutationField('updateVaultConnection', VaultConnectionRef, {
  description:
    'Renames or re-describes a vault connection (ADMIN or OWNER). Its credentials change only through rotateVaultConnection. Error codes: NAME_TAKEN, VERSION_MISMATCH.',
  input: 'A change to a vault connection; omitted fields stay as they are.',
  fields: (t) => teamObjectChangeFields(t, 'null clears it.'),
  data: 'The connection as it is now.',
  resolve: (input, ctx) => updateVaultConnection(ctx, input),
});

changeMutationField('rotateVaultConnection', VaultConnectionRef, {
  description: 'Replaces the connection’s own credentials (ADMIN or OWNER). Error codes: INVALID_CREDENTIALS, VERSION_MISMATCH.',
  input: 'New credentials for a vault connection.',
  argument: 'The connection and its new credentials.',
  fields: (t) => ({
    credentials: t.field({
      type: VaultCredentialsInput,
      required: true,
      description: 'The new credentials: the member of its `vaultType`.',
    }),
  }),
  data: 'The connection as it is now.',
  resolve: (input, ctx) => rotateVaultConnection(ctx, input),
});

deleteMutationField(
  VaultConnectionRef,
  'Deletes a vault connection that no secret uses, a secret scheduled for deletion included until it is purged (VAULT_CONNECTION_IN_USE otherwise). ADMIN or OWNER. Error codes: VAULT_CONNECTION_IN_USE, VERSION_MISMATCH.',
  deleteVaultConnection,
);
