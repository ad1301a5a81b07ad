import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';
import type { TestCa } from './test-ca.ts';

/**
 * Real storage protocol servers on loopback for the verification tests, each over HTTPS with the
 * file's test CA (test-ca.ts): s3rver (the S3 protocol) in process, Azurite (Microsoft's Azure
 * Storage emulator) as a child process. No mocks: the SDKs talk to them as to the cloud.
 */

/** s3rver knows one key pair; it checks the access key id (InvalidAccessKeyId otherwise) but not the signature. */
export const S3RVER_ACCESS_KEY_ID = 'S3RVER';

export interface S3rverHandle {
  /** `https://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** s3rver over HTTPS on an ephemeral port, with these buckets. */
export async function startS3rver(ca: TestCa, buckets: readonly string[]): Promise<S3rverHandle> {
  const directory = mkdtempSync(join(tmpdir(), 'cloakroom-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    key: ca.keyPem,
    cert: ca.certPem,
    resetOnClose: true,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const { port } = await server.run();
  return {
    endpoint: `https://127.0.0.1:${port}`,
    port,
    close: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Azurite's published development account (https://learn.microsoft.com/azure/storage/common/storage-use-azurite). */
export const AZURITE_ACCOUNT = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

export interface AzuriteHandle {
  /** The account's blob endpoint: `https://127.0.0.1:<port>/devstoreaccount1` (a location's `endpointUrl`). */
  endpoint: string;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Azurite's blob service over HTTPS on an ephemeral port, in memory; run with node directly so that its pid is the server's. */
export async function startAzurite(ca: TestCa): Promise<AzuriteHandle> {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'node_modules/azurite/dist/src/blob/main.js'),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--cert',
      ca.certFile,
      '--key',
      ca.keyFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start: ${output}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /successfully listens on https:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (listening) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (${code}): ${output}`));
    });
  });
  return {
    endpoint: `https://127.0.0.1:${port}/${AZURITE_ACCOUNT.name}`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CountingListener {
  port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A TCP listener that only counts connections: proof that a refused endpoint was never contacted.
 * It closes each connection at once, or with `hold` keeps it open and silent (a server that never answers).
 */
export async function startCountingListener(host = '127.0.0.1', options: { hold?: boolean } = {}): Promise<CountingListener> {
  let connections = 0;
  const held = new Set<Socket>();
  const server = createServer((socket) => {
    connections += 1;
    if (!options.hold) return socket.destroy();
    held.add(socket);
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => {
      for (const socket of held) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (taken from the kernel, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
