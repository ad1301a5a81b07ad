import { builder } from '../../graphql/builder.ts';
import { deleteMutationField } from '../../graphql/delete-mutation.schema.ts';
import { authorshipFields } from '../auth/auth.schema.ts';
import { nameOrderedEdgeResult } from '../../graphql/created-edge.ts';
import { VAULT_TYPES } from '../secret/field-mapping-references.ts';
import { TeamRef } from '../team/team.schema.ts';
import { loadTeam } from '../team/team.service.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, description, idempotencyKey } from '../shared/rules.ts';
import { vaultConnectionName } from './vault-connection.rules.ts';
import {
  createVaultConnection,
  deleteVaultConnection,
  listTeamVaultConnections,
  loadVaultConnection,
  rotateVaultConnection,
  updateVaultConnection,
  type VaultConnection,
} from './vault-connection.service.ts';

export const VaultTypeEnum = builder.enumType('VaultType', { values: VAULT_TYPES });

export const VaultConnectionRef = builder.objectRef<VaultConnection>('VaultConnection');
builder.node(VaultConnectionRef, {
  description: 'An external vault that EXTERNAL_VAULT secrets read their credentials from. Its own credentials are stored encrypted and never returned.',
  id: { resolve: (connection) => connection.id },
  // Our dataloaders cache per request; Pothos's own node cache can hand out an unbranded object when one id is asked twice.
  loadManyWithoutCache: (ids, ctx) => Promise.all(ids.map((id) => loadVaultConnection(ctx, id))),
  fields: (t) => ({
    team: t.field({ type: TeamRef, resolve: async (c, _args, ctx) => (await loadTeam(ctx, c.teamId))! }),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    vaultType: t.field({ type: VaultTypeEnum, resolve: (c) => c.vaultType }),
    version: t.exposeInt('version'),
    lastRotatedAt: t.expose('lastRotatedAt', { type: 'DateTime', nullable: true }),
    ...authorshipFields(t),
  }),
});

/** The edges of `Team.vaultConnections`, also on `createVaultConnection`'s success (`vaultConnectionEdge`). */
const TeamVaultConnectionsEdge = builder.edgeObject({ name: 'TeamVaultConnectionsConnectionEdge', type: VaultConnectionRef });

builder.objectField(TeamRef, 'vaultConnections', (t) =>
  t.connection({ type: VaultConnectionRef, description: 'By name.', resolve: (team, args, ctx) => listTeamVaultConnections(ctx, team.id, args) }, {}, TeamVaultConnectionsEdge),
);

const secretField = (t: PothosSchemaTypes.InputFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, 'InputObject'>) =>
  t.string({ required: true });

const OnePasswordCredentialsInput = builder.inputType('OnePasswordCredentialsInput', {
  fields: (t) => ({ accessToken: secretField(t) }),
});
const DopplerCredentialsInput = builder.inputType('DopplerCredentialsInput', {
  fields: (t) => ({ accessToken: secretField(t), project: t.string({ required: true }), config: t.string({ required: true }) }),
});
const InfisicalCredentialsInput = builder.inputType('InfisicalCredentialsInput', {
  fields: (t) => ({
    clientId: t.string({ required: true }),
    clientSecret: secretField(t),
    projectId: t.string({ required: true }),
    environment: t.string({ required: true }),
    secretPath: t.string({ description: 'Default "/".' }),
  }),
});

const VaultCredentialsInput = builder.inputType('VaultCredentialsInput', {
  description: 'Exactly one member, matching the connection’s vaultType. Stored encrypted, never returned.',
  isOneOf: true,
  fields: (t) => ({
    onePassword: t.field({ type: OnePasswordCredentialsInput }),
    doppler: t.field({ type: DopplerCredentialsInput }),
    infisical: t.field({ type: InfisicalCredentialsInput }),
  }),
});

const CreateVaultConnectionInput = builder.inputType('CreateVaultConnectionInput', {
  fields: (t) => ({
    teamId: t.globalID({ required: true, for: TeamRef }),
    name: t.string({ required: true, validate: vaultConnectionName }),
    description: t.string({ validate: description }),
    vaultType: t.field({ type: VaultTypeEnum, required: true }),
    credentials: t.field({ type: VaultCredentialsInput, required: true }),
    idempotencyKey: t.string({ validate: idempotencyKey, description: IDEMPOTENCY_KEY_DESCRIPTION }),
  }),
});

builder.mutationField('createVaultConnection', (t) =>
  t.field({
    type: VaultConnectionRef,
    description: 'Connects an external vault (ADMIN or OWNER).',
    errors: {
      dataField: { name: 'vaultConnection' },
      result: nameOrderedEdgeResult('vaultConnectionEdge', TeamVaultConnectionsEdge, 'Team.vaultConnections', 'vault_connections'),
    },
    args: { input: t.arg({ type: CreateVaultConnectionInput, required: true }) },
    resolve: (_root, { input }, ctx) => createVaultConnection(ctx, { ...input, teamId: input.teamId.id }),
  }),
);

const UpdateVaultConnectionInput = builder.inputType('UpdateVaultConnectionInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: VaultConnectionRef }),
    name: t.string({ validate: vaultConnectionName }),
    description: t.string({ validate: description, description: 'null clears it.' }),
    expectedVersion: t.int(),
  }),
});

builder.mutationField('updateVaultConnection', (t) =>
  t.field({
    type: VaultConnectionRef,
    description: 'Renames or re-describes a vault connection. Its credentials change only through rotateVaultConnection.',
    errors: { dataField: { name: 'vaultConnection' } },
    args: { input: t.arg({ type: UpdateVaultConnectionInput, required: true }) },
    resolve: (_root, { input }, ctx) => updateVaultConnection(ctx, { ...input, id: input.id.id }),
  }),
);

const RotateVaultConnectionInput = builder.inputType('RotateVaultConnectionInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: VaultConnectionRef }),
    credentials: t.field({ type: VaultCredentialsInput, required: true }),
    expectedVersion: t.int(),
  }),
});

builder.mutationField('rotateVaultConnection', (t) =>
  t.field({
    type: VaultConnectionRef,
    description: 'Replaces the connection’s own credentials.',
    errors: { dataField: { name: 'vaultConnection' } },
    args: { input: t.arg({ type: RotateVaultConnectionInput, required: true }) },
    resolve: (_root, { input }, ctx) => rotateVaultConnection(ctx, { ...input, id: input.id.id }),
  }),
);

deleteMutationField(VaultConnectionRef, 'Deletes a vault connection that no secret uses (VAULT_CONNECTION_IN_USE otherwise).', deleteVaultConnection);
