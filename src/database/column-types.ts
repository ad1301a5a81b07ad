import type { ColumnType, Generated } from 'kysely';

/** Set by the database on insert, never written by the code. */
export type CreatedAt = ColumnType<Date, never, never>;
/** Defaults on insert; every update sets it. */
export type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

/** The columns every versioned, team-owned row carries: its change counter (VERSION_MISMATCH) and who made and last changed it. */
export interface VersionedColumns {
  version: Generated<number>;
  created_at: CreatedAt;
  created_by: string | null;
  updated_at: UpdatedAt;
  updated_by: string | null;
}
