import { builder } from '../../graphql/builder.ts';
import { deleteMutationField } from '../../graphql/delete-mutation.schema.ts';
import { ListOrderInput } from '../../graphql/list-order.schema.ts';
import { nameOrderedEdgeResult } from '../../graphql/created-edge.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, description, idempotencyKey } from '../shared/rules.ts';
import { authorshipFields } from '../auth/auth.schema.ts';
import { SecretFilterInput, SecretRef } from '../secret/secret.schema.ts';
import { TeamRef } from '../team/team.schema.ts';
import { loadTeam } from '../team/team.service.ts';
import { workspaceName } from './workspace.rules.ts';
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
  id: { resolve: (workspace) => workspace.id },
  // Our dataloaders cache per request; Pothos's own node cache can hand out an unbranded object when one id is asked twice.
  loadManyWithoutCache: (ids, ctx) => Promise.all(ids.map((id) => loadWorkspace(ctx, id))),
  fields: (t) => ({
    team: t.field({ type: TeamRef, resolve: async (w, _args, ctx) => (await loadTeam(ctx, w.teamId))! }),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    version: t.exposeInt('version'),
    availableSecrets: t.connection({
      type: SecretRef,
      description: 'Secrets with workspaceAccess ALL, or SOME listing this workspace.',
      args: { filter: t.arg({ type: SecretFilterInput }), orderBy: t.arg({ type: ListOrderInput }) },
      resolve: (workspace, args, ctx) => listAvailableSecrets(ctx, workspace, args),
    }),
    ...authorshipFields(t),
  }),
});

/** The edges of `Team.workspaces`, also on `createWorkspace`'s success (`workspaceEdge`). */
const TeamWorkspacesEdge = builder.edgeObject({ name: 'TeamWorkspacesConnectionEdge', type: WorkspaceRef });

builder.objectField(TeamRef, 'workspaces', (t) =>
  t.connection({ type: WorkspaceRef, description: 'By name.', resolve: (team, args, ctx) => listTeamWorkspaces(ctx, team.id, args) }, {}, TeamWorkspacesEdge),
);

builder.objectField(SecretRef, 'allowedWorkspaces', (t) =>
  t.field({
    type: [WorkspaceRef],
    description: 'The workspaces a secret with workspaceAccess SOME is available in; empty otherwise.',
    resolve: (secret, _args, ctx) => (secret.workspaceAccess === 'SOME' ? loadAllowedWorkspaces(ctx, secret.id) : []),
  }),
);

const CreateWorkspaceInput = builder.inputType('CreateWorkspaceInput', {
  fields: (t) => ({
    teamId: t.globalID({ required: true, for: TeamRef }),
    name: t.string({ required: true, validate: workspaceName }),
    description: t.string({ validate: description }),
    idempotencyKey: t.string({ validate: idempotencyKey, description: IDEMPOTENCY_KEY_DESCRIPTION }),
  }),
});

builder.mutationField('createWorkspace', (t) =>
  t.field({
    type: WorkspaceRef,
    errors: {
      dataField: { name: 'workspace' },
      result: nameOrderedEdgeResult('workspaceEdge', TeamWorkspacesEdge, 'Team.workspaces', 'workspaces'),
    },
    args: { input: t.arg({ type: CreateWorkspaceInput, required: true }) },
    resolve: (_root, { input }, ctx) => createWorkspace(ctx, { ...input, teamId: input.teamId.id }),
  }),
);

const UpdateWorkspaceInput = builder.inputType('UpdateWorkspaceInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: WorkspaceRef }),
    name: t.string({ validate: workspaceName }),
    description: t.string({ validate: description }),
    expectedVersion: t.int(),
  }),
});

builder.mutationField('updateWorkspace', (t) =>
  t.field({
    type: WorkspaceRef,
    errors: { dataField: { name: 'workspace' } },
    args: { input: t.arg({ type: UpdateWorkspaceInput, required: true }) },
    resolve: (_root, { input }, ctx) => updateWorkspace(ctx, { ...input, id: input.id.id }),
  }),
);

deleteMutationField(WorkspaceRef, 'Deletes a workspace; it disappears from every secret’s allowedWorkspaces in the same transaction.', deleteWorkspace);
