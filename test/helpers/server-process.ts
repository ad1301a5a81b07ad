import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `npm start` as a child process, with its output split into lines as it arrives. */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  /** Resolves once the process has exited and its output is fully read. */
  readonly exited: Promise<Exit>;
  private readonly waiters = new Set<() => void>();
  /** Set once the process has exited and both pipes are drained: no more lines will come. */
  private closed = false;

  constructor(env: Record<string, string>) {
    // vitest runs on the project's Node 24 (`npm test`), which runs the TypeScript natively.
    this.child = spawn(process.execPath, ['src/start.js'], {
      cwd: repoRoot,
      // Only what is given: nothing (DATABASE_URL, NODE_ENV=test, a master key…) leaks in from the test run.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'debug', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.collect(this.child.stdout!, this.stdout);
    this.collect(this.child.stderr!, this.stderr);
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.closed = true;
        resolve({ code, signal });
        this.notify();
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first line, on stdout or stderr, past or future, matching `pattern`; rejects if the process exits first. */
  waitForLine(pattern: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = [...this.stdout, ...this.stderr].find((candidate) => pattern.test(candidate));
        if (line !== undefined) {
          this.waiters.delete(check);
          resolve(line);
        } else if (this.closed) {
          this.waiters.delete(check);
          reject(new Error(`server exited without printing ${pattern}; stderr:\n${this.stderr.join('\n')}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for the "listening" log line and returns the server's base URL. */
  async listening(): Promise<string> {
    const line = await this.waitForLine(/"msg":"listening"/);
    const { port } = JSON.parse(line) as { port: number };
    return `http://localhost:${port}`;
  }

  /** Sends SIGTERM and waits for the exit. */
  async stop(): Promise<Exit> {
    if (this.running) this.child.kill('SIGTERM');
    return this.exited;
  }

  private collect(stream: NodeJS.ReadableStream, lines: string[]): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      this.notify();
    });
    stream.on('end', () => {
      if (partial) lines.push(partial);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

const started = new Set<ServerProcess>();

/** Spawns `node src/start.js` (`npm start`) with `env` (PORT=0 unless given); see `ServerProcess`. */
export function spawnServer(env: Record<string, string> = {}): ServerProcess {
  const server = new ServerProcess(env);
  started.add(server);
  return server;
}

/** For afterEach/afterAll: kills whatever a failed test left running. */
export async function killServers(): Promise<void> {
  await Promise.all(
    [...started].map(async (server) => {
      if (server.running) server.child.kill('SIGKILL');
      await server.exited;
      started.delete(server);
    }),
  );
}
