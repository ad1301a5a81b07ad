import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/database/database.ts';

/** A piece of text to search, and where it came from (for the failure message). */
export interface Haystack {
  where: string;
  text: string;
}

/**
 * Every way a stored value could spell a plaintext: bytes (bytea comes back as a Buffer on
 * PostgreSQL and a Uint8Array on PGlite) as latin1, utf8, hex and base64; objects (jsonb, arrays)
 * as JSON; dates as ISO strings.
 */
export function cellTexts(value: unknown): string[] {
  if (value == null) return [];
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return [bytes.toString('latin1'), bytes.toString('utf8'), bytes.toString('hex'), bytes.toString('base64')];
  }
  if (value instanceof Date) return [value.toISOString()];
  if (typeof value === 'object') return [JSON.stringify(value)];
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects returned above: what is left of a column value is a string, number, bigint or boolean
  return [String(value)];
}

/** The haystacks of some rows: one per cell and encoding. */
export function rowHaystacks(table: string, rows: readonly Record<string, unknown>[]): Haystack[] {
  return rows.flatMap((row, index) =>
    Object.entries(row).flatMap(([column, value]) => cellTexts(value).map((text) => ({ where: `${table}[${index}].${column}`, text }))),
  );
}

/** Every table of the current schema with its rows, one table at a time (so a caller need not hold them all). */
export async function* tablesWithRows(db: Kysely<Database>): AsyncGenerator<{ table: string; rows: Record<string, unknown>[] }> {
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
    order by table_name
  `.execute(db);
  for (const { table_name } of tables) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table_name)}`.execute(db);
    yield { table: table_name, rows };
  }
}

/** Every row of every table of the current schema, as haystacks. */
export async function dumpDatabase(db: Kysely<Database>): Promise<{ tables: string[]; haystacks: Haystack[] }> {
  const tables: string[] = [];
  const haystacks: Haystack[] = [];
  for await (const { table, rows } of tablesWithRows(db)) {
    tables.push(table);
    for (const haystack of rowHaystacks(table, rows)) haystacks.push(haystack);
  }
  return { tables, haystacks };
}

/** How a plaintext would look inside text: itself, JSON-escaped (logs, bodies, jsonb), hex and base64 of its bytes. */
export function spellings(plaintext: string): string[] {
  const bytes = Buffer.from(plaintext, 'utf8');
  return [...new Set([plaintext, JSON.stringify(plaintext).slice(1, -1), bytes.toString('hex'), bytes.toString('base64')])];
}

/** Where any of the plaintexts appears, as `"<first 8 chars>…" in <where>`; empty when nowhere. */
export function findLeaks(haystacks: readonly Haystack[], plaintexts: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const plaintext of plaintexts) {
    for (const spelling of spellings(plaintext)) {
      for (const { where, text } of haystacks) {
        if (text.includes(spelling)) leaks.push(`"${plaintext.slice(0, 8)}…" in ${where}`);
      }
    }
  }
  return leaks;
}
