import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateToLatest } from '../db/migrate.ts';
import { openDatabase } from '../src/database/open-database.ts';
import { createKeyring } from '../src/modules/crypto/envelope.ts';
import { seed } from './seed.ts';

/** `cli run`, the path every pipeline start takes: from invocation to the child process starting. */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI_RUNS = 10;

/** The variables cloakroom reads, none inherited from the orchestrator's environment. */
const CLEAN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(CLOAKROOM_|DATABASE_URL|DATA_DIR|REDIS_URL)/.test(key)),
);

/**
 * Runs `node src/cli.ts run --secret <id> -- node -p performance.timeOrigin` `runs` times, one
 * after another: each run's milliseconds from spawning the CLI to the child's own start time.
 */
export async function timeCliRuns(env: Record<string, string>, secretId: string, runs = CLI_RUNS): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const invoked = performance.timeOrigin + performance.now();
    const cli = spawn(
      process.execPath,
      ['src/cli.ts', 'run', '--secret', secretId, '--', process.execPath, '-p', 'performance.timeOrigin'],
      { cwd: ROOT, env: { ...CLEAN_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(cli, 'exit')) as [number | null];
    const childStarted = Number(stdout.trim());
    if (code !== 0 || !Number.isFinite(childStarted)) throw new Error(`cli run failed (exit ${code}): ${stderr.slice(-2000)}`);
    times.push(childStarted - invoked);
  }
  return times;
}

/** An embedded data directory (DATA_DIR) holding one team with a few secrets, and a secret id to run with. */
export async function embeddedDataDir(): Promise<{ env: Record<string, string>; secretId: string; remove(): void }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-bench-cli-'));
  const masterKey = randomBytes(32);
  const { db, close } = await openDatabase({ dataDir, databaseUrl: undefined });
  let secretId: string;
  try {
    await migrateToLatest(db);
    const seeded = await seed(db, createKeyring(masterKey), { teams: 1, secrets: 20, locations: 0, bigTeamSecrets: 20 }, () => {});
    secretId = seeded.sampleSecretIds[0]!;
  } finally {
    await close();
  }
  return {
    env: { DATA_DIR: dataDir, CLOAKROOM_MASTER_KEY: masterKey.toString('base64') },
    secretId,
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
