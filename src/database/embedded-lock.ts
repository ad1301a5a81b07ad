import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../config.ts';

/**
 * How long a process waits for the data directory while another holds it: a server stopping
 * drains its requests (up to 10 s) and then closes the database, and a `cli run` started just
 * after it should wait for that, not fail, and certainly not wait without bound.
 */
export const EMBEDDED_LOCK_WAIT_MS = 30_000;
const POLL_MS = 100;

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process that holds the lock, or null when it is free or left by a process that died. */
function holderOf(lockFile: string): number | null {
  let holder: number;
  try {
    holder = Number(readFileSync(lockFile, 'utf8'));
  } catch {
    return null; // released meanwhile
  }
  return holder !== process.pid && processIsAlive(holder) ? holder : null;
}

/**
 * PGlite is a single-process database: a second process opening the same data directory
 * would corrupt it. Takes DATA_DIR/cloakroom.pid, waiting at most `waitMs` for a live holder to
 * release it, then explains who holds it.
 * @returns a function that releases the lock
 */
export async function lockEmbeddedDataDir(dataDir: string, waitMs = EMBEDDED_LOCK_WAIT_MS): Promise<() => void> {
  const lockFile = join(dataDir, 'cloakroom.pid');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const holder = holderOf(lockFile);
      if (holder === null) {
        // Free (released meanwhile) or left by a process that died: take it over.
        writeFileSync(lockFile, String(process.pid));
        break;
      }
      if (Date.now() >= deadline) {
        throw new ConfigError(
          `The embedded database in ${dataDir} is in use by process ${holder} (waited ${Math.round(waitMs / 1000)} s); stop it first (PGlite allows one process at a time).`,
        );
      }
      await sleep(POLL_MS);
    }
  }
  return () => rmSync(lockFile, { force: true });
}
