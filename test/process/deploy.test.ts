/**
 * deploy/cloakroom.service and deploy/nginx.conf as files: what each must say for the other and
 * for the server (the cluster test runs them for real on the PostgreSQL pass).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { DRAIN_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS } from '../../src/http/node-server.ts';
import { nginxMissing, renderNginxConfig } from '../helpers/nginx.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const unitText = readFileSync(join(repoRoot, 'deploy/cloakroom.service'), 'utf8');
const nginxText = readFileSync(join(repoRoot, 'deploy/nginx.conf'), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'cloakroom-deploy-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The unit's `Key=value` lines, by section. */
function parseUnit(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line.trim());
    if (header) sections[header[1]!] = current = {};
    else if (current && /^\w+=/.test(line)) current[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return sections;
}

function seconds(value: string | undefined): number {
  const match = /^(\d+)(s|min)?$/.exec(value ?? '');
  if (!match) throw new Error(`not a time span: ${value}`);
  return Number(match[1]) * (match[2] === 'min' ? 60 : 1);
}

describe('deploy/cloakroom.service', () => {
  const unit = parseUnit(unitText);
  const service = unit.Service!;

  test('ExecStart is `npm start` (package.json) on the Node that npm ci installed, in the checkout', () => {
    const start = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const nodeBin = `${service.WorkingDirectory}/node_modules/.bin/`;
    expect(service.ExecStart!.startsWith(nodeBin)).toBe(true);
    expect(service.ExecStart!.slice(nodeBin.length)).toBe(start);
  });

  test('SIGTERM stop with a timeout above the drain, a restart policy and an environment file', () => {
    expect(service).toMatchObject({ KillSignal: 'SIGTERM', Restart: 'on-failure', Type: 'simple' });
    expect(seconds(service.TimeoutStopSec)).toBeGreaterThan(DRAIN_TIMEOUT_MS / 1000);
    expect(service.EnvironmentFile).toMatch(/^\//);
  });

  test.skipIf(spawnSync('systemd-analyze', ['--version']).error)('systemd-analyze verify accepts it (pointed at this checkout)', () => {
    const file = join(scratch, 'cloakroom.service');
    writeFileSync(file, unitText.replaceAll('/opt/cloakroom', repoRoot.replace(/\/$/, '')));
    const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    // Unknown keys and misplaced settings are warnings, with status 0: none may appear for this file.
    expect(result.stderr.split('\n').filter((line) => line.includes(file))).toEqual([]);
  });
});

describe('deploy/nginx.conf', () => {
  test("nginx closes idle pooled connections before the instances do (keepalive_timeout below the server's)", () => {
    const timeout = /keepalive_timeout (\d+)s;/.exec(nginxText);
    expect(timeout).not.toBeNull();
    expect(Number(timeout![1]) * 1000).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS);
  });

  test('retries refused connections only, streams SSE unbuffered with a read timeout above the 12 s heartbeat', () => {
    expect(nginxText).toMatch(/proxy_next_upstream error timeout;/);
    expect(nginxText).not.toMatch(/non_idempotent/);
    expect(nginxText).toMatch(/proxy_buffering off;/);
    expect(seconds(/proxy_read_timeout (\w+);/.exec(nginxText)?.[1])).toBeGreaterThan(12);
    expect(nginxText).toMatch(/proxy_http_version 1\.1;/);
    expect(nginxText).toMatch(/proxy_set_header Connection "";/);
  });

  test.skipIf(nginxMissing())('nginx -t accepts it as the tests render it', () => {
    const file = join(scratch, 'nginx.conf');
    writeFileSync(file, renderNginxConfig(scratch, 8080, [3001, 3002]));
    const result = spawnSync('nginx', ['-t', '-p', scratch, '-c', file, '-e', join(scratch, 'error.log')], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
  });
});
