import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { openDatabase } from './open-database.ts';

/*
 * An unclean stop of the embedded database (the process killed: no shutdown checkpoint) leaves
 * the next open to replay the WAL written since the last checkpoint. PGlite has no checkpointer
 * and ignores max_wal_size, so without openDatabase's periodic checkpoint that is every write since
 * the process started (a long-running server's whole history: the "250 s `cli run`" of issue #18).
 */

const OPEN_DATABASE = new URL('./open-database.ts', import.meta.url).href;

/**
 * A real process that opens DATA_DIR, writes about 16 MB in 40 statements over a few seconds,
 * prints how much WAL a recovery would replay right now, and is killed (SIGKILL) mid-flight.
 */
const DYING_WRITER = `
  import { sql } from 'kysely';
  const { openDatabase } = await import(${JSON.stringify(OPEN_DATABASE)});
  const { db } = await openDatabase({ dataDir: process.env.DATA_DIR }, { checkpointEveryMs: Number(process.env.EVERY_MS) });
  await sql\`create table if not exists filler (id serial primary key, payload text)\`.execute(db);
  for (let i = 0; i < 40; i++) {
    await sql\`insert into filler (payload) select repeat(md5(random()::text), 60) from generate_series(1, 200)\`.execute(db);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, 400));
  const { rows } = await sql\`select (pg_current_wal_lsn() - redo_lsn)::bigint::text as bytes from pg_control_checkpoint()\`.execute(db);
  process.stdout.write(rows[0].bytes);
  process.kill(process.pid, 'SIGKILL');
`;

async function killedWriter(dataDir: string, everyMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', DYING_WRITER], {
    env: { ...process.env, DATA_DIR: dataDir, EVERY_MS: String(everyMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
  expect(signal).toBe('SIGKILL');
  return Number(out);
}

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

describe('embedded database: an unclean stop replays a bounded WAL', () => {
  test.each([
    [
      'without a checkpoint since the start, every write waits for replay',
      3_600_000,
      (bytes: number) => expect(bytes).toBeGreaterThan(8 * 2 ** 20),
    ],
    ['checkpointing every 200 ms, only the last moments do', 200, (bytes: number) => expect(bytes).toBeLessThan(2 * 2 ** 20)],
  ])(
    '%s; the next open recovers every committed row',
    async (_label, everyMs, expectReplay) => {
      dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-unclean-'));
      expectReplay(await killedWriter(dataDir, everyMs));
      // The dead process's lock is taken over, the WAL replayed, and nothing committed is lost.
      const { db, close } = await openDatabase({ dataDir, databaseUrl: undefined }, { lockWaitMs: 0 });
      try {
        const { rows } = await sql<{ count: number }>`select count(*)::int as count from filler`.execute(db);
        expect(rows[0]!.count).toBe(8_000);
      } finally {
        await close();
      }
    },
    120_000,
  );
});
