import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import pg from 'pg';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL cluster of this test file's own (initdb into a temp dir, pg_ctl on a free
 * port, trust auth): one the test may stop and start without touching the server others share.
 */
export interface PrivatePostgres {
  /** postgres://root@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** pg_ctl stop; `immediate` is a crash (recovery from WAL at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it (if running) and removes its directory. */
  destroy(): Promise<void>;
}

/** The directory of initdb/pg_ctl: PG_BINDIR, `pg_config --bindir`, or the newest /usr/lib/postgresql/N/bin. */
function findBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  // Loud on purpose: CI has the binaries, and a fault test that silently skips proves nothing.
  if (!found)
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl) not found; looked in: ${candidates.join(', ') || '(nothing)'}. Set PG_BINDIR.`,
    );
  return found;
}

const execFileAsync = promisify(execFile);

/** A port nothing listens on right now (the kernel's pick), for a server that must be told its port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivatePostgresOptions {
  /** More `-c name=value` server settings (e.g. shared_preload_libraries). */
  settings?: readonly string[];
  /**
   * Make this a hot standby of `standbyOf` (pg_basebackup -R, streaming) instead of a new
   * cluster. initdb's pg_hba already lets 127.0.0.1 replicate with trust, and `wal_level` is
   * `replica` by default, so any private cluster can be its primary.
   */
  standbyOf?: PrivatePostgres;
}

export async function startPrivatePostgres({ settings = [], standbyOf }: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const binDir = findBinDir();
  const root = mkdtempSync(join(tmpdir(), 'cloakroom-pg-'));
  // PostgreSQL refuses to run as root: as root, run its tools as the `postgres` user, who owns the dir.
  const asRoot = userInfo().uid === 0;
  if (asRoot)
    chownSync(
      root,
      Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
      Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
    );
  // Asynchronous: the test's own event loop keeps reading responses while pg_ctl waits.
  const run = async (tool: string, args: string[]) => {
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir, tool), ...args]] : [join(binDir, tool), args];
    try {
      await execFileAsync(command, argv, { encoding: 'utf8', timeout: 30_000 });
    } catch (error) {
      const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${(error as Error).message}\n${stderr}${stdout}`);
    }
  };
  const dataDir = join(root, 'data');
  const port = await freePort();
  // The superuser is "root", like the shared server's, so URLs look alike.
  if (standbyOf) {
    await run('pg_basebackup', [
      '-D',
      dataDir,
      '-h',
      '127.0.0.1',
      '-p',
      String(standbyOf.port),
      '-U',
      'root',
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ]);
  } else {
    await run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'root', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  }
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${root}`,
    '-c fsync=off',
    '-c max_connections=50',
    ...settings.map((setting) => `-c ${setting}`),
  ].join(' ');
  let running = false;
  const pg: PrivatePostgres = {
    url: `postgres://root@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await run('pg_ctl', ['-D', dataDir, '-l', join(root, 'log'), '-w', '-t', '20', '-o', options, 'start']);
      running = true;
    },
    async stop(mode = 'fast') {
      await run('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '20', 'stop']);
      running = false;
    },
    async destroy() {
      try {
        if (running) await pg.stop('immediate');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
  try {
    await pg.start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return pg;
}

/** One statement on its own connection (opened and closed around it): for checking a server's tables from a test. */
export async function queryAt<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
