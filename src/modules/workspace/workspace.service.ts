import type { Context } from '../../graphql/context.ts';
import { versionedChange } from '../shared/versioned-change.ts';
import { randomUUID } from 'node:crypto';
import { createOnce } from '../idempotency/idempotency.service.ts';
import { parsePageArgs, toConnection, type PageArgs } from '../../graphql/pagination.ts';
import { cursorKey } from '../../database/keyset.ts';
import { recordObjectEvent } from '../audit/audit.service.ts';
import { authorize } from '../auth/auth.service.ts';
import { listTeamSecrets, type SecretListArgs } from '../secret/secret.service.ts';
import * as workspaceRepository from './workspace.repository.ts';
import type { WorkspaceRow } from './workspace.repository.ts';
import type { VersionedObject } from '../shared/versioned-object.ts';

export interface Workspace extends VersionedObject {
  teamId: string;
  name: string;
  description: string | null;
}

const toWorkspace = (row: WorkspaceRow): Workspace => ({
  id: row.id,
  teamId: row.team_id,
  name: row.name,
  description: row.description,
  version: row.version,
  createdAt: row.created_at,
  createdBy: row.created_by,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

export interface CreateWorkspaceInput {
  teamId: string;
  name: string;
  description?: string | null | undefined;
  /** The same key and input again within 24 hours returns this create's result without a second write. */
  idempotencyKey?: string | null | undefined;
}

export async function createWorkspace(ctx: Context, input: CreateWorkspaceInput): Promise<Workspace> {
  await authorize(ctx, input.teamId, 'workspace:write');
  const id = randomUUID();
  const once = { operation: 'createWorkspace', key: input.idempotencyKey, input, resultId: id };
  return createOnce(ctx, once, workspaceRepository.lockWorkspace, toWorkspace, async (trx) => {
    const row = await workspaceRepository.insertWorkspace(trx, {
      id,
      team_id: input.teamId,
      name: input.name,
      description: input.description ?? null,
      created_by: ctx.viewer.userId,
      updated_by: ctx.viewer.userId,
    });
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

export async function updateWorkspace(
  ctx: Context,
  input: {
    id: string;
    name?: string | null | undefined;
    description?: string | null | undefined;
    expectedVersion?: number | null | undefined;
  },
): Promise<Workspace> {
  return changeWorkspace(ctx, input.id, input.expectedVersion, async (trx, current) => {
    const patch = {
      ...(input.name != null && { name: input.name }),
      ...(input.description !== undefined && { description: input.description }),
    };
    const row = await workspaceRepository.updateWorkspace(trx, current.id, { ...patch, updated_by: ctx.viewer.userId });
    await recordObjectEvent(trx, ctx, 'Workspace', 'workspace.updated', row, Object.keys(patch));
    return toWorkspace(row);
  });
}

/** Deletes a workspace; secrets that listed it lose it from `allowedWorkspaces` in the same transaction. */
export async function deleteWorkspace(ctx: Context, input: { id: string; expectedVersion?: number | null | undefined }): Promise<void> {
  await changeWorkspace(ctx, input.id, input.expectedVersion, async (trx, current) => {
    await workspaceRepository.deleteWorkspace(trx, current.id);
    await recordObjectEvent(trx, ctx, 'Workspace', 'workspace.deleted', current);
  });
}

export async function loadWorkspace(ctx: Context, id: string): Promise<Workspace | null> {
  const row = await ctx.loaders.workspace.load(id);
  return row ? toWorkspace(row) : null;
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
