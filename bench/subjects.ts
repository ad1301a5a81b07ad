import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The servers the benchmark drives, each started as its own process. */
export type SubjectName = 'cloakroom' | 'raw' | 'postgraphile';

export const SUBJECT_TITLES: Record<SubjectName, string> = {
  cloakroom: 'cloakroom',
  raw: 'raw node:http + pg',
  postgraphile: 'PostGraphile 5',
};

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const ENTRY: Record<SubjectName, string> = {
  cloakroom: 'src/start.js',
  raw: 'bench/baselines/raw.ts',
  postgraphile: 'bench/baselines/postgraphile.ts',
};

/**
 * The heap settings cloakroom runs with here, as a user would in a 512 MB container (README,
 * "Memory"): V8's old generation capped at 256 MB leaves the rest for code, buffers and the pool.
 * Without a cap V8 sizes the heap for the machine (24 GiB here) and lets it grow to ~300 MB between
 * major collections. The baselines keep Node's defaults.
 */
export const CLOAKROOM_NODE_OPTIONS = ['--max-old-space-size=256'];

/** Limits far above the load (the counters still run on every request, as in production). */
const UNREACHED_RATE_LIMIT = String(1_000_000_000);

export interface RunningSubject {
  name: SubjectName;
  url: string;
  pid: number;
  /** Highest resident set size seen since the last call, in bytes (sampled every 100 ms). */
  takePeakRss(): number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

function residentBytes(pid: number): number {
  try {
    const kilobytes = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kilobytes ? Number(kilobytes) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts a subject on `databaseUrl` and waits until it answers HTTP. cloakroom runs as it would
 * in production (NODE_ENV=production, JSON access log at info, rate limits counted but never
 * reached, migrations already applied). `nodeOptions` go to its `node` (e.g. `--cpu-prof`), `extraEnv` to its environment.
 */
export async function startSubject(
  name: SubjectName,
  databaseUrl: string,
  masterKey: string,
  nodeOptions: readonly string[] = [],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<RunningSubject> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    CLOAKROOM_MASTER_KEY: masterKey,
    NODE_ENV: 'production',
    CLOAKROOM_MIGRATE: 'false',
    CLOAKROOM_RATE_LIMIT_QUERIES_PER_MINUTE: UNREACHED_RATE_LIMIT,
    CLOAKROOM_RATE_LIMIT_MUTATIONS_PER_MINUTE: UNREACHED_RATE_LIMIT,
    CLOAKROOM_RATE_LIMIT_TEAM_QUERIES_PER_MINUTE: UNREACHED_RATE_LIMIT,
    CLOAKROOM_RATE_LIMIT_TEAM_MUTATIONS_PER_MINUTE: UNREACHED_RATE_LIMIT,
    REDIS_URL: '',
    ...extraEnv,
  };
  const heap = name === 'cloakroom' ? CLOAKROOM_NODE_OPTIONS : [];
  const child: ChildProcess = spawn(process.execPath, [...heap, ...nodeOptions, ENTRY[name]], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = `http://127.0.0.1:${port}/graphql`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before listening:\n${stderr}`);
    try {
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      break;
    } catch {
      if (Date.now() - started > 60_000) throw new Error(`${name} did not listen within 60 s:\n${stderr}`);
      await sleep(100);
    }
  }

  const pid = child.pid!;
  let peak = residentBytes(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, residentBytes(pid))), 100);
  return {
    name,
    url,
    pid,
    takePeakRss: () => {
      const seen = Math.max(peak, residentBytes(pid));
      peak = 0;
      return seen;
    },
    stop: async () => {
      clearInterval(sampler);
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
}
