import type { Context } from '../../graphql/context.ts';
import { versionedChange, versionedDelete, versionedRename } from '../shared/versioned-change.ts';
import { randomUUID } from 'node:crypto';
import { createOnce, type IdempotentInput } from '../idempotency/idempotency.service.ts';
import { parsePageArgs, toConnection, type PageArgs } from '../../graphql/pagination.ts';
import { cursorKey } from '../../database/keyset.ts';
import { recordObjectEvent } from '../audit/audit.service.ts';
import { authorize } from '../auth/auth.service.ts';
import { listTeamSecrets, type SecretListArgs } from '../secret/secret.service.ts';
import * as workspaceRepository from './workspace.repository.ts';
import type { WorkspaceRow } from './workspace.repository.ts';
import { namedTeamObjectFields, type NamedTeamObject } from '../shared/versioned-object.ts';
import { loadMapped } from '../shared/load-mapped.ts';
import { newNamedTeamRow, type NamedTeamObjectInput } from '../shared/named-rows.ts';

export type Workspace = NamedTeamObject;

const toWorkspace = (row: WorkspaceRow): Workspace => namedTeamObjectFields(row);

export type CreateWorkspaceInput = NamedTeamObjectInput & IdempotentInput;

export async function createWorkspace(ctx: Context, input: CreateWorkspaceInput): Promise<Workspace> {
  await authorize(ctx, input.teamId, 'workspace:write');
  const id = randomUUID();
  const once = { operation: 'createWorkspace', key: input.idempotencyKey, input, resultId: id };
  return createOnce(ctx, once, workspaceRepository.lockWorkspace, toWorkspace, async (trx) => {
    const row = await workspaceRepository.insertWorkspace(trx, newNamedTeamRow(id, ctx.viewer.userId, input));
    await recordObjectEvent(trx, ctx, 'Workspace', 'workspace.created', row, ['name', 'description']);
    return toWorkspace(row);
  });
}

/** Authorises `workspace:write`, then runs `change` with the workspace locked and its version checked. */
const changeWorkspace = versionedChange<WorkspaceRow>({
  what: 'workspace',
  visible: (ctx, id) => ctx.loaders.workspace.load(id),
  authorize: 'workspace:write',
  lock: workspaceRepository.lockWorkspace,
});

export const updateWorkspace = versionedRename(
  changeWorkspace,
  'Workspace',
  'workspace.updated',
  workspaceRepository.updateWorkspace,
  toWorkspace,
);

/** Deletes a workspace; secrets that listed it lose it from `allowedWorkspaces` in the same transaction. */
export const deleteWorkspace = versionedDelete(changeWorkspace, 'Workspace', 'workspace.deleted', workspaceRepository.deleteWorkspace);

export async function loadWorkspace(ctx: Context, id: string): Promise<Workspace | null> {
  return loadMapped(ctx.loaders.workspace, id, toWorkspace);
}

export async function listTeamWorkspaces(ctx: Context, teamId: string, args: PageArgs) {
  await authorize(ctx, teamId, 'workspace:read');
  const page = parsePageArgs(args, 'text');
  return toConnection(await workspaceRepository.listWorkspaces(ctx.db, teamId, page), page, cursorKey, toWorkspace);
}

/** Secrets usable in the workspace: access ALL, or SOME with this workspace listed (and visible to the viewer). */
export async function listAvailableSecrets(ctx: Context, workspace: Workspace, args: SecretListArgs) {
  return listTeamSecrets(ctx, workspace.teamId, { ...args, filter: { ...args.filter, workspaceId: workspace.id } });
}

/** The workspaces a SOME secret is available in, batched across the request's secrets. */
export async function loadAllowedWorkspaces(ctx: Context, secretId: string): Promise<Workspace[]> {
  return (await ctx.loaders.workspacesOfSecret.load(secretId)).map(toWorkspace);
}
