import type { ColumnType } from 'kysely';

/** Set by the database on insert, never written by the code. */
export type CreatedAt = ColumnType<Date, never, never>;
/** Defaults on insert; every update sets it. */
export type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
