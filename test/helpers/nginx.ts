import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './private-postgres.ts';

const committedConfig = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/** Why nginx cannot run here, or null when it can (the cluster tests skip with this reason). */
export function nginxMissing(): string | null {
  const probe = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return probe.error ? `nginx is not installed (${probe.error.message}); .ci/run installs nginx-light` : null;
}

/** Replaces every match of `pattern` (a global regex) in `text`; there must be exactly `count`, so a config that drifted fails loudly. */
function substitute(text: string, pattern: RegExp, replacement: string, count = 1): string {
  const found = text.match(pattern)?.length ?? 0;
  if (found !== count) throw new Error(`deploy/nginx.conf: expected ${count} match(es) of ${pattern}, found ${found}`);
  return text.replace(pattern, replacement);
}

export interface NginxOptions {
  /** Replaces the committed `proxy_read_timeout` (nginx syntax, e.g. `2s`, `500ms`): makes "a quiet stream outlives it" quick to test. */
  proxyReadTimeout?: string;
}

/**
 * deploy/nginx.conf as committed, with only what a test must change: the instances' ports, a
 * loopback listen port, and every path under `dir` (nginx runs in the foreground, unprivileged style).
 */
export function renderNginxConfig(
  dir: string,
  listenPort: number,
  upstreamPorts: readonly number[],
  { proxyReadTimeout }: NginxOptions = {},
): string {
  let config = readFileSync(committedConfig, 'utf8');
  if (proxyReadTimeout) config = substitute(config, /proxy_read_timeout \S+;/g, `proxy_read_timeout ${proxyReadTimeout};`);
  config = substitute(config, /^pid .*;$/gm, `daemon off;\npid ${dir}/nginx.pid;`);
  config = substitute(config, /^error_log \S+/gm, `error_log ${dir}/error.log`);
  config = substitute(config, /access_log \S+;/g, `access_log ${dir}/access.log;`);
  config = substitute(config, /\/var\/lib\/cloakroom-nginx\//g, `${dir}/`, 5);
  config = substitute(config, /^\s*listen 80;$/gm, `    listen 127.0.0.1:${listenPort};`);
  // The committed file lists three instances; the test's take their places, options kept.
  const servers = [...config.matchAll(/^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;$/gm)];
  if (servers.length !== 3) throw new Error(`deploy/nginx.conf: expected 3 upstream servers, found ${servers.length}`);
  const [indent, options] = [servers[0]![1]!, servers[0]![2] ?? ''];
  const block = upstreamPorts.map((port) => `${indent}server 127.0.0.1:${port}${options};`).join('\n');
  return config.replace(/^(\s*server 127\.0\.0\.1:\d+( [^;]*)?;\n)+/m, `${block}\n`);
}

export interface Nginx {
  /** http://127.0.0.1:PORT */
  url: string;
  /** SIGQUIT (graceful), then removes its directory. */
  stop(): Promise<void>;
  errorLog(): string;
}

/** Starts nginx in the foreground on a free loopback port in front of `upstreamPorts`, from the committed config. */
export async function startNginx(upstreamPorts: readonly number[], options: NginxOptions = {}): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-nginx-'));
  // Run as root, nginx's workers are `nobody`: they must reach the temp paths inside.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const configFile = join(dir, 'nginx.conf');
  writeFileSync(configFile, renderNginxConfig(dir, port, upstreamPorts, options));
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', configFile, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready once it answers (a 502 with no instance up is an answer too).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = errorLog();
      await stop();
      throw new Error(`nginx exited at start: ${stderr}${log}`);
    }
    try {
      await (await fetch(`http://127.0.0.1:${port}/healthz`)).arrayBuffer();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`nginx did not answer on ${port}: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { url: `http://127.0.0.1:${port}`, stop, errorLog };
}
