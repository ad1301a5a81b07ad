import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config.ts';

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is a single-process database: a second process opening the same data directory
 * would corrupt it. Takes DATA_DIR/cloakroom.pid or explains who holds it.
 * @returns a function that releases the lock
 */
export function lockEmbeddedDataDir(dataDir: string): () => void {
  const lockFile = join(dataDir, 'cloakroom.pid');
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch {
    const holder = Number(readFileSync(lockFile, 'utf8'));
    if (holder !== process.pid && processIsAlive(holder)) {
      throw new ConfigError(
        `The embedded database in ${dataDir} is in use by process ${holder}; stop it first (PGlite allows one process at a time).`,
      );
    }
    writeFileSync(lockFile, String(process.pid)); // left by a process that died
  }
  return () => rmSync(lockFile, { force: true });
}
