import { PGlite } from '@electric-sql/pglite';
import { randomBytes } from 'node:crypto';
import { Kysely, PGliteDialect, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { createApp, type AppOptions } from '../../src/http/app.ts';
import type { Database } from '../../src/database/database.ts';
import { createLogger } from '../../src/http/logger.ts';
import { createKeyring } from '../../src/modules/crypto/envelope.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import type { TestApp } from './app.ts';
import { testDatabaseUrl } from './database.ts';

/** Every SQL statement the app sent (including begin/commit and failed ones), in order. */
export interface StatementLog {
  readonly statements: CompiledQuery[];
  /** Forgets what was logged so far (call it after seeding). */
  reset(): void;
  /**
   * The table of each statement: the first quoted `from "x"` / `into "x"` / `update "x"` (the query
   * builder quotes identifiers; raw SQL fragments such as a count subquery do not), else the first word.
   */
  tables(): string[];
}

function tableOf(query: CompiledQuery): string {
  const match = /\b(?:from|into|update)\s+"([a-z_]+)"/i.exec(query.sql);
  return match ? match[1]! : query.sql.trim().split(/\s+/)[0]!.toLowerCase();
}

/**
 * `startTestApp()` on a Kysely whose `log` hook records every statement: the same dialect choice as
 * `createDatabase` (PostgreSQL pool of 10 when the run has a database, else in-memory PGlite),
 * so a test can count the round trips one request makes.
 */
export async function startCountingTestApp(
  options: Pick<AppOptions, 'requestTimeoutMs' | 'compileQueries'> = {},
): Promise<TestApp & { statementLog: StatementLog }> {
  const statements: CompiledQuery[] = [];
  let dialect;
  if (testDatabaseUrl) {
    const pool = new pg.Pool({ connectionString: testDatabaseUrl, max: 10 });
    pool.on('error', () => {});
    dialect = new PostgresDialect({ pool });
  } else {
    dialect = new PGliteDialect({ pglite: () => new PGlite() });
  }
  const db = new Kysely<Database>({ dialect, log: (event) => void statements.push(event.query) });
  await migrateToLatest(db);
  statements.length = 0;

  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const keyring = createKeyring(randomBytes(32));
  // No rate limits: their membership lookup would be counted, and the seeding sends hundreds of mutations.
  const app = createApp({ db, keyring, logger, rateLimit: false, ...options });
  const statementLog: StatementLog = {
    statements,
    reset: () => void (statements.length = 0),
    tables: () => statements.map(tableOf),
  };
  return { app, db, keyring, logs, statementLog, close: () => db.destroy() };
}
