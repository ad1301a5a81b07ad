import { builder } from '../../graphql/builder.ts';
import { deleteMutationField } from '../../graphql/delete-mutation.schema.ts';
import { changeMutationField } from '../../graphql/change-mutation.schema.ts';
import { filteredListArgs } from '../../graphql/list-order.schema.ts';
import { DESCRIPTION_DESCRIPTION } from '../shared/rules.ts';
import { SecretFilterInput, SecretRef } from '../secret/secret.schema.ts';
import { TeamRef } from '../team/team.schema.ts';
import { createTeamObjectMutationField, teamObjectChangeFields, teamObjectNode } from '../team/team-object.schema.ts';
import {
  createWorkspace,
  deleteWorkspace,
  listAvailableSecrets,
  listTeamWorkspaces,
  loadAllowedWorkspaces,
  loadWorkspace,
  updateWorkspace,
  type Workspace,
} from './workspace.service.ts';

export const WorkspaceRef = teamObjectNode<Workspace>('Workspace', {
  description: 'A place secrets are used in (a project, a deployment); each secret says which workspaces may use it.',
  load: loadWorkspace,
  what: 'workspace',
  fields: (t) => ({
    availableSecrets: t.connection({
      type: SecretRef,
      description: 'Secrets with workspaceAccess ALL, or SOME listing this workspace.',
      args: filteredListArgs(t.arg, SecretFilterInput, 'Only secrets that match.'),
      resolve: (workspace, args, ctx) => listAvailableSecrets(ctx, workspace, args),
    }),
  }),
});

/** The edges of `Team.workspaces`, also on `createWorkspace`'s success (`workspaceEdge`). */
const TeamWorkspacesEdge = builder.edgeObject({ name: 'TeamWorkspacesConnectionEdge', type: WorkspaceRef });

builder.objectField(TeamRef, 'workspaces', (t) =>
  t.connection(
    { type: WorkspaceRef, description: 'By name.', resolve: (team, args, ctx) => listTeamWorkspaces(ctx, team.id, args) },
    {},
    TeamWorkspacesEdge,
  ),
);

builder.objectField(SecretRef, 'allowedWorkspaces', (t) =>
  t.field({
    type: [WorkspaceRef],
    description: 'The workspaces a secret with workspaceAccess SOME is available in; empty otherwise.',
    resolve: (secret, _args, ctx) => (secret.workspaceAccess === 'SOME' ? loadAllowedWorkspaces(ctx, secret.id) : []),
  }),
);

createTeamObjectMutationField(WorkspaceRef, {
  description: 'Creates a workspace (ADMIN or OWNER). Error codes: NAME_TAKEN, IDEMPOTENCY_KEY_REUSED.',
  input: 'A new workspace.',
  edge: [TeamWorkspacesEdge, 'Team.workspaces', 'workspaces'],
  resolve: (input, ctx) => createWorkspace(ctx, input),
});

changeMutationField('updateWorkspace', WorkspaceRef, {
  description: 'Renames or re-describes a workspace (ADMIN or OWNER). Error codes: NAME_TAKEN, VERSION_MISMATCH.',
  input: 'A change to a workspace; omitted fields stay as they are.',
  fields: (t) => teamObjectChangeFields(t, DESCRIPTION_DESCRIPTION),
  resolve: (input, ctx) => updateWorkspace(ctx, input),
});

deleteMutationField(
  WorkspaceRef,
  'Deletes a workspace; it disappears from every secret’s allowedWorkspaces in the same transaction. ADMIN or OWNER. Error codes: VERSION_MISMATCH.',
  deleteWorkspace,
);
