import { builder } from '../../graphql/builder.ts';
import { nodeOfId } from '../../graphql/node-loading.ts';
import { deleteMutationField } from '../../graphql/delete-mutation.schema.ts';
import { inputMutationField } from '../../graphql/input-mutation.ts';
import { changeMutationField } from '../../graphql/change-mutation.schema.ts';
import { filteredListArgs } from '../../graphql/list-order.schema.ts';
import { nameOrderedEdgeResult } from '../../graphql/created-edge.ts';
import { DESCRIPTION_DESCRIPTION } from '../shared/rules.ts';
import { SecretFilterInput, SecretRef } from '../secret/secret.schema.ts';
import { createTeamObjectFields, TeamRef, teamObjectChangeFields, teamObjectFields } from '../team/team.schema.ts';
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

export const WorkspaceRef = builder.objectRef<Workspace>('Workspace');
builder.node(WorkspaceRef, {
  description: 'A place secrets are used in (a project, a deployment); each secret says which workspaces may use it.',
  ...nodeOfId(loadWorkspace),
  fields: (t) => ({
    ...teamObjectFields(t, 'workspace'),
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

const CreateWorkspaceInput = builder.inputType('CreateWorkspaceInput', {
  description: 'A new workspace.',
  fields: (t) => createTeamObjectFields(t),
});

inputMutationField('createWorkspace', WorkspaceRef, {
  description: 'Creates a workspace (ADMIN or OWNER). Error codes: NAME_TAKEN, IDEMPOTENCY_KEY_REUSED.',
  input: [CreateWorkspaceInput, 'The workspace to create.'],
  data: ['workspace', 'The workspace created.'],
  result: nameOrderedEdgeResult('workspaceEdge', TeamWorkspacesEdge, 'Team.workspaces', 'workspaces'),
  resolve: (input, ctx) => createWorkspace(ctx, { ...input, teamId: input.teamId.id }),
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
