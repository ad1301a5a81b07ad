import pg from 'pg';
import type { DatabaseOptions } from './database.ts';

/** Distinct SQL texts a process prepares at most; past it, new texts run unprepared. */
export const MAX_PREPARED_STATEMENTS = 500;

/** PostgreSQL's "cached plan must not change result type": a table changed under a prepared statement. */
const STALE_PLAN = '0A000';

/** One name per SQL text for the whole pool, at most `MAX_PREPARED_STATEMENTS` texts. */
function statementNames() {
  const names = new Map<string, string>();
  let issued = 0;
  return {
    /** The text's name; a new one while there is room; undefined past the cap (run it unnamed). */
    of(text: string): string | undefined {
      let name = names.get(text);
      if (!name && names.size < MAX_PREPARED_STATEMENTS) names.set(text, (name = `cloakroom_${++issued}`));
      return name;
    },
    /** A fresh name for a text whose prepared plan went stale: every connection prepares it anew. */
    renew(text: string): string {
      const name = `cloakroom_${++issued}`;
      names.set(text, name);
      return name;
    },
  };
}

/**
 * Makes `client` run each parameterised statement as a named prepared statement, one name per
 * SQL text shared by every connection of the pool: PostgreSQL parses and plans a text once per
 * connection instead of on every execution, which on a machine it shares with the API is a
 * quarter more one-secret reads per second (bench/analysis.md). Statements without parameters
 * (BEGIN, COMMIT) keep the one-message simple protocol. Past `MAX_PREPARED_STATEMENTS` texts
 * (dynamic SQL: filters, IN lists) new ones run unnamed, so the server's per-connection memory
 * stays bounded. A migration that adds or drops a column under a running server makes its
 * prepared `select *` fail once: the text is renamed and run again, so it is prepared afresh
 * (inside a transaction the retry fails like the statement did, and the request with it).
 */
function prepareStatements(client: pg.PoolClient, names: ReturnType<typeof statementNames>): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const prepared = (text: string, values: unknown[]) => {
    const name = names.of(text);
    if (!name) return query(text, values);
    return query({ name, text, values }).catch((error: unknown) => {
      if ((error as { code?: string }).code !== STALE_PLAN) throw error;
      return query({ name: names.renew(text), text, values });
    });
  };
  const named = (text: unknown, values: unknown, ...rest: unknown[]) => {
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0) return query(text, values, ...rest);
    const [callback] = rest;
    // pg-pool's `pool.query` passes a callback; Kysely awaits the promise.
    if (typeof callback !== 'function') return prepared(text, values);
    prepared(text, values).then(
      (result) => callback(null, result),
      (error: unknown) => callback(error),
    );
    return undefined;
  };
  Object.assign(client, { query: named });
}

/**
 * cloakroom's connection pool on PostgreSQL: bounded waits, errors of idle or checked-out
 * clients contained, and (by default) named prepared statements. The benchmark's raw baseline
 * runs on it too, so that both run SQL the same way.
 */
export function createPool({
  databaseUrl,
  poolSize = 10,
  preparedStatements = true,
}: Pick<DatabaseOptions, 'poolSize' | 'preparedStatements'> & { databaseUrl: string }): pg.Pool {
  // Bounded waits: a database that silently drops packets must not hold requests (or /readyz) for minutes.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5000, statement_timeout: 15_000 });
  // An idle client losing its server (a restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const names = statementNames();
  pool.on('connect', (client) => {
    // Nor may a checked-out one (inside a transaction, between two queries): without a listener its
    // 'error' event is unhandled and kills the process. Its next query fails instead, and the pool
    // discards it on release.
    client.on('error', () => {});
    if (preparedStatements) prepareStatements(client, names);
  });
  return pool;
}
