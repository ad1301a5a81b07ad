import type { Context } from '../../graphql/context.ts';
import { ConflictError, ErrorCode, ValidationError } from '../../errors.ts';
import { versionedChange, versionedDelete, versionedRename, type VersionedChangeInput } from '../shared/versioned-change.ts';
import { randomUUID } from 'node:crypto';
import { createOnce, type IdempotentInput } from '../idempotency/idempotency.service.ts';
import { parsePageArgs, toConnection, type PageArgs } from '../../graphql/pagination.ts';
import { cursorKey } from '../../database/keyset.ts';
import { recordObjectEvent } from '../audit/audit.service.ts';
import { authorize } from '../auth/auth.service.ts';
import type { MasterKeyring } from '../crypto/envelope.ts';
import { sealToColumns } from '../crypto/sealed-columns.ts';
import type { VaultType } from '../secret/field-mapping-references.ts';
import * as vaultConnectionRepository from './vault-connection.repository.ts';
import type { VaultConnectionMetadata } from './vault-connection.repository.ts';
import { VAULT_CREDENTIALS_MEMBER, vaultCredentialSchemas, type VaultCredentialsInput } from './vault-connection.rules.ts';
import { namedTeamObjectFields, type NamedTeamObject } from '../shared/versioned-object.ts';
import { loadMapped } from '../shared/load-mapped.ts';
import { newNamedTeamRow, type NamedTeamObjectInput } from '../shared/named-rows.ts';

export interface VaultConnection extends NamedTeamObject {
  vaultType: VaultType;
  lastRotatedAt: Date | null;
}

const toVaultConnection = (row: VaultConnectionMetadata): VaultConnection => ({
  ...namedTeamObjectFields(row),
  vaultType: row.vault_type as VaultType,
  lastRotatedAt: row.last_rotated_at,
});

/**
 * Checks that `credentials` fit the vault type and seals them for storage, bound to the
 * connection and the version they are written at.
 */
function sealVaultCredentials(
  keyring: MasterKeyring,
  vaultType: VaultType,
  credentials: VaultCredentialsInput,
  binding: { teamId: string; id: string; version: number },
) {
  const member = VAULT_CREDENTIALS_MEMBER[vaultType];
  const given = credentials[member];
  if (!given) {
    throw ValidationError.forField(
      ['input', 'credentials'],
      `A ${vaultType} connection takes credentials.${member}`,
      ErrorCode.INVALID_CREDENTIALS,
    );
  }
  const parsed = vaultCredentialSchemas[member].safeParse(given);
  if (!parsed.success) {
    throw new ValidationError('Invalid vault credentials', {
      code: ErrorCode.INVALID_CREDENTIALS,
      fieldErrors: parsed.error.issues.map((issue) => ({
        path: ['input', 'credentials', member, ...issue.path.map(String)],
        message: issue.message,
        code: 'INVALID_VALUE',
      })),
    });
  }
  // Prefixed so that a vault connection's payload can never pass for a secret's.
  const sealed = sealToColumns(keyring, JSON.stringify(parsed.data), {
    teamId: binding.teamId,
    secretId: `vault-connection:${binding.id}`,
    version: binding.version,
  });
  return { ...sealed, payload_version: binding.version };
}

/** Authorises `vault:write` (NotFound for other teams), then runs `change` with the connection locked and its version checked. */
const changeVaultConnection = versionedChange<VaultConnectionMetadata>({
  what: 'vault connection',
  visible: (ctx, id) => ctx.loaders.beforeScopes.vaultConnection.load(id),
  authorize: 'vault:write',
  lock: vaultConnectionRepository.lockVaultConnection,
});

export interface CreateVaultConnectionInput extends NamedTeamObjectInput, IdempotentInput {
  vaultType: VaultType;
  credentials: VaultCredentialsInput;
}

export async function createVaultConnection(ctx: Context, input: CreateVaultConnectionInput): Promise<VaultConnection> {
  await authorize(ctx, input.teamId, 'vault:write');
  const id = randomUUID();
  const sealed = sealVaultCredentials(ctx.keyring, input.vaultType, input.credentials, { teamId: input.teamId, id, version: 1 });
  const once = { operation: 'createVaultConnection', key: input.idempotencyKey, input, resultId: id };
  return createOnce(ctx, once, vaultConnectionRepository.lockVaultConnection, toVaultConnection, async (trx) => {
    const row = await vaultConnectionRepository.insertVaultConnection(trx, {
      ...newNamedTeamRow(id, ctx.viewer.userId, input),
      vault_type: input.vaultType,
      ...sealed,
    });
    const changedFields = ['name', 'description', 'vaultType', 'credentials'];
    await recordObjectEvent(trx, ctx, 'VaultConnection', 'vault_connection.created', row, changedFields);
    return toVaultConnection(row);
  });
}

/** Renames or re-describes a connection; its type and credentials change only by rotation. */
export const updateVaultConnection = versionedRename(
  changeVaultConnection,
  'VaultConnection',
  'vault_connection.updated',
  vaultConnectionRepository.updateVaultConnection,
  toVaultConnection,
);

/** Replaces a connection's credentials (same vault type), sealed at the new version. */
export async function rotateVaultConnection(
  ctx: Context,
  input: VersionedChangeInput & { credentials: VaultCredentialsInput },
): Promise<VaultConnection> {
  return changeVaultConnection(ctx, input.id, input.expectedVersion, async (trx, current) => {
    const version = current.version + 1;
    const sealed = sealVaultCredentials(ctx.keyring, current.vault_type as VaultType, input.credentials, {
      teamId: current.team_id,
      id: current.id,
      version,
    });
    const row = await vaultConnectionRepository.updateVaultConnection(trx, input.id, {
      ...sealed,
      last_rotated_at: new Date(),
      updated_by: ctx.viewer.userId,
    });
    await recordObjectEvent(trx, ctx, 'VaultConnection', 'vault_connection.rotated', row, ['credentials']);
    return toVaultConnection(row);
  });
}

/** Deletes a connection no secret uses (VAULT_CONNECTION_IN_USE otherwise). */
export const deleteVaultConnection = versionedDelete(
  changeVaultConnection,
  'VaultConnection',
  'vault_connection.deleted',
  async (trx, id) => {
    const users = await vaultConnectionRepository.countSecretsUsingVaultConnection(trx, id);
    if (users > 0) {
      throw new ConflictError(
        `${users} secret(s) read their credentials through this connection (those scheduled for deletion too, until purged); move or delete them first`,
        ErrorCode.VAULT_CONNECTION_IN_USE,
      );
    }
    await vaultConnectionRepository.deleteVaultConnection(trx, id);
  },
);

/** The connection if it is in one of the viewer's teams, else null. */
export async function loadVaultConnection(ctx: Context, id: string): Promise<VaultConnection | null> {
  return loadMapped(ctx.loaders.vaultConnection, id, toVaultConnection);
}

export async function listTeamVaultConnections(ctx: Context, teamId: string, args: PageArgs) {
  await authorize(ctx, teamId, 'vault:read');
  const page = parsePageArgs(args, 'text');
  const rows = await vaultConnectionRepository.listVaultConnections(ctx.db, teamId, page);
  return toConnection(rows, page, cursorKey, toVaultConnection);
}
