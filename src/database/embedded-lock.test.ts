import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../config.ts';
import { lockEmbeddedDataDir } from './embedded-lock.ts';

/*
 * The embedded data directory's lock (DATA_DIR/cloakroom.pid) against real processes: a holder is
 * a live child process whose pid the file names, as a running server's would be.
 */

let dataDir: string;
let holder: ChildProcess | undefined;

function holdWith(child: ChildProcess): void {
  holder = child;
  writeFileSync(join(dataDir, 'cloakroom.pid'), String(child.pid));
}

const idleProcess = () => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });

afterEach(() => {
  holder?.kill('SIGKILL');
  holder = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded data directory lock', () => {
  test('free: taken at once, and released', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-lock-'));
    const release = await lockEmbeddedDataDir(dataDir, 0);
    expect(readFileSync(join(dataDir, 'cloakroom.pid'), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(join(dataDir, 'cloakroom.pid'))).toBe(false);
  });

  test('left by a process that died: taken over at once', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-lock-'));
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(dead, 'exit');
    writeFileSync(join(dataDir, 'cloakroom.pid'), String(dead.pid));
    const release = await lockEmbeddedDataDir(dataDir, 0);
    expect(readFileSync(join(dataDir, 'cloakroom.pid'), 'utf8')).toBe(String(process.pid));
    release();
  });

  test('held by a process that is stopping (a server draining): waits for it, then takes it', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-lock-'));
    holdWith(idleProcess());
    const started = Date.now();
    setTimeout(() => holder?.kill('SIGTERM'), 700);
    const release = await lockEmbeddedDataDir(dataDir, 20_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(readFileSync(join(dataDir, 'cloakroom.pid'), 'utf8')).toBe(String(process.pid));
    release();
  });

  test('held past the wait: a clear error naming the holder and how long it waited, never an endless wait', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-lock-'));
    holdWith(idleProcess());
    const refused = lockEmbeddedDataDir(dataDir, 1_000);
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow(new RegExp(`in use by process ${holder!.pid} \\(waited 1 s\\); stop it first`));
    // The holder's lock is untouched.
    expect(readFileSync(join(dataDir, 'cloakroom.pid'), 'utf8')).toBe(String(holder!.pid));
  });
});
