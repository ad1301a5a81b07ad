import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../database/database.ts';
import { countRows } from '../../database/count.ts';
import { rowsOfMember } from '../shared/rows-of-member.ts';
import type { VaultConnectionTable } from './vault-connection.tables.ts';
import { nameTakenAsConflict, versionedNamedPatch, withNameKey } from '../shared/named-rows.ts';
import type { KeysetPage } from '../../graphql/pagination.ts';
import { DEFAULT_ORDER, paginateInOrder } from '../../database/keyset.ts';

type VaultConnectionRow = Selectable<VaultConnectionTable>;

/** Every column but the sealed payload: what reads need. */
const METADATA = [
  'id',
  'team_id',
  'name',
  'description',
  'vault_type',
  'version',
  'last_rotated_at',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
] as const;
export type VaultConnectionMetadata = Pick<VaultConnectionRow, (typeof METADATA)[number]>;

/** Connections among `ids` in teams the user belongs to. */
export async function findVaultConnectionsOfMember(db: Db, userId: string, ids: readonly string[]): Promise<VaultConnectionMetadata[]> {
  if (!ids.length) return [];
  return rowsOfMember(db, 'vault_connections', userId, ids)
    .select(METADATA.map((column) => `vault_connections.${column}` as const))
    .execute();
}

export async function insertVaultConnection(
  db: Db,
  row: Omit<Insertable<VaultConnectionTable>, 'name_key'>,
): Promise<VaultConnectionMetadata> {
  return nameTakenAsConflict(
    db.insertInto('vault_connections').values(withNameKey(row)).returning(METADATA).executeTakeFirstOrThrow(),
    'vault connection',
    row.name,
  );
}

/** Reads the connection and locks its row for the rest of the transaction. */
export async function lockVaultConnection(db: Db, id: string): Promise<VaultConnectionMetadata | undefined> {
  return db.selectFrom('vault_connections').select(METADATA).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Applies a change and bumps the version by one. */
export async function updateVaultConnection(
  db: Db,
  id: string,
  patch: Omit<Updateable<VaultConnectionTable>, 'name_key'>,
): Promise<VaultConnectionMetadata> {
  return nameTakenAsConflict(
    db.updateTable('vault_connections').set(versionedNamedPatch(patch)).where('id', '=', id).returning(METADATA).executeTakeFirstOrThrow(),
    'vault connection',
    patch.name,
  );
}

export async function deleteVaultConnection(db: Db, id: string): Promise<void> {
  await db.deleteFrom('vault_connections').where('id', '=', id).execute();
}

export async function countSecretsUsingVaultConnection(db: Db, id: string): Promise<number> {
  return countRows(db.selectFrom('secrets').where('vault_connection_id', '=', id));
}

/** A page of the team's connections by name, keyset on (lower(name), id), with `sort_key` for the cursor. */
export async function listVaultConnections(db: Db, teamId: string, page: KeysetPage) {
  return paginateInOrder(
    db.selectFrom('vault_connections').select(METADATA).where('team_id', '=', teamId),
    'vault_connections',
    DEFAULT_ORDER,
    page,
  ).execute();
}
