import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A PostgreSQL wire-protocol pass-through that counts the statements its clients run, whoever
 * they are (cloakroom, the raw baseline, PostGraphile): the servers under test connect to it
 * instead of to PostgreSQL, and need no instrumentation of their own. Bytes are forwarded
 * unchanged; only the client → server direction is read.
 *
 * A statement is a simple-protocol Query ('Q') or an extended-protocol Execute ('E'); the text is
 * taken from 'Q', and from the Parse ('P') of the statement a Bind ('B') names, so `statements`
 * lists what ran (BEGIN and COMMIT included, prepared statements by their text).
 * Only for the counting pass: it adds a hop, so throughput is measured without it.
 */
export interface StatementCounter {
  /** `postgres://…` of the proxy, with the upstream's user, password and database. */
  url: string;
  /** Statements executed since the last reset. */
  count(): number;
  /** Their SQL text, in order. */
  statements(): string[];
  reset(): void;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export async function startStatementCounter(upstreamUrl: string): Promise<StatementCounter> {
  const upstream = new URL(upstreamUrl);
  let executed = 0;
  let texts: string[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const database = createConnection({ host: upstream.hostname, port: Number(upstream.port || 5432) });
    sockets.add(client).add(database);
    const closeBoth = () => {
      client.destroy();
      database.destroy();
      sockets.delete(client);
      sockets.delete(database);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    database.on('error', closeBoth).on('close', closeBoth);
    database.pipe(client);

    let buffered: Buffer = Buffer.alloc(0);
    let started = false;
    // Prepared statements by name ('' is the unnamed one), and the one the last Bind picked.
    const prepared = new Map<string, string>();
    let bound = '';
    client.on('data', (chunk: Buffer) => {
      database.write(chunk);
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      for (;;) {
        if (!started) {
          // Startup, SSL and GSS requests have no type byte: length, then a code.
          if (buffered.length < 8) return;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) return;
          const code = buffered.readInt32BE(4);
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) started = true;
          buffered = buffered.subarray(length);
          continue;
        }
        if (buffered.length < 5) return;
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) return;
        const type = String.fromCharCode(buffered[0]!);
        const body = buffered.subarray(5, 1 + length);
        if (type === 'Q') {
          executed += 1;
          texts.push(body.toString('utf8', 0, body.indexOf(0)));
        } else if (type === 'P') {
          const nameEnd = body.indexOf(0);
          prepared.set(body.toString('utf8', 0, nameEnd), body.toString('utf8', nameEnd + 1, body.indexOf(0, nameEnd + 1)));
        } else if (type === 'B') {
          const portalEnd = body.indexOf(0);
          bound = prepared.get(body.toString('utf8', portalEnd + 1, body.indexOf(0, portalEnd + 1))) ?? '';
        } else if (type === 'E') {
          executed += 1;
          texts.push(bound);
        }
        buffered = buffered.subarray(1 + length);
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('statement counter: no port');
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);

  return {
    url: url.toString(),
    count: () => executed,
    statements: () => [...texts],
    reset: () => {
      executed = 0;
      texts = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
