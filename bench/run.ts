// `npm run bench [-- --quick]`: seeds a PostgreSQL database, then drives cloakroom and its two
// baselines (a raw node:http + pg handler, PostGraphile 5) one at a time over HTTP with
// autocannon, and writes bench/RESULTS.md with a throughput chart. See bench/README.md.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { encodeCursor } from '../src/graphql/pagination.ts';
import { postgraphileCursorAt } from './baselines/postgraphile-queries.ts';
import { drive, sendSequentially, type SubjectTargets } from './load.ts';
import { OPERATIONS } from './operations.ts';
import {
  explainPages,
  machineDescription,
  writeReport,
  type CliRunTiming,
  type CountResult,
  type IdleRss,
  type Measurement,
} from './report.ts';
import { DEFAULT_SIZES, freshSeededDatabase, QUICK_SIZES, type SeedSizes } from './seed.ts';
import { startStatementCounter } from './statement-counter.ts';
import { CLI_RUNS, embeddedDataDir, timeCliRuns } from './cli-run.ts';
import { backendsCpuSpentMs, databaseBackendsCpuMs, processCpuMs } from './cpu-time.ts';
import { startSubject, type RunningSubject, type SubjectName } from './subjects.ts';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string' },
    subjects: { type: 'string' },
    teams: { type: 'string' },
    secrets: { type: 'string' },
    locations: { type: 'string' },
    'big-team-secrets': { type: 'string' },
  },
});

const quick = options.quick;
const base = quick ? QUICK_SIZES : DEFAULT_SIZES;
const sizes: SeedSizes = {
  teams: Number(options.teams ?? base.teams),
  secrets: Number(options.secrets ?? base.secrets),
  locations: Number(options.locations ?? base.locations),
  bigTeamSecrets: Number(options['big-team-secrets'] ?? base.bigTeamSecrets),
};
const seconds = Number(options.seconds ?? (quick ? 1 : 5));
/** Each cell is measured this many times, the subjects taking turns, so a noisy moment hits them all alike. */
const rounds = Number(options.rounds ?? 3);
const connectionCounts = (options.connections ?? (quick ? '1,32' : '1,8,32,64')).split(',').map(Number);
const subjects = (options.subjects ?? 'cloakroom,raw,postgraphile').split(',') as SubjectName[];
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `postgres://root@127.0.0.1:5432/cloakroom_bench${quick ? '_quick' : ''}`;
const databaseName = new URL(databaseUrl).pathname.slice(1);
const output = quick
  ? { report: 'bench/RESULTS-quick.md', chart: 'bench/throughput-quick.svg', data: 'bench/RESULTS-quick.json' }
  : { report: 'bench/RESULTS.md', chart: 'bench/throughput.svg', data: 'bench/RESULTS.json' };

/** PostGraphile has no equivalent of cloakroom's audited writes: it runs the reads only. */
const operationsOf = (subject: SubjectName) =>
  OPERATIONS.filter((operation) => subject !== 'postgraphile' || !operation.write).map((operation) => operation.name);
/** Requests per operation in the counting pass. */
const COUNTED_REQUESTS = 20;
const PAGE_SIZE = 50;

const startedAt = performance.now();
const progress = (message: string) => console.log(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}`);

const { db, masterKey, seeded } = await freshSeededDatabase(databaseUrl, sizes, progress);

// The deepest page up to 500 that the big team has; its cursor in cloakroom's (and raw's) format.
const pageNumber = Math.min(500, Math.floor(sizes.bigTeamSecrets / PAGE_SIZE));
const pageOffset = (pageNumber - 1) * PAGE_SIZE - 1;
const bigTeamUuid = Buffer.from(seeded.bigTeam.id, 'base64').toString('utf8').split(':')[1]!;
const before = await sql<{ sort_key: string; id: string }>`
  select lower(name) as sort_key, id from secrets where team_id = ${bigTeamUuid} order by lower(name), id offset ${pageOffset} limit 1`.execute(
  db,
);
const cloakroomCursor = encodeCursor([before.rows[0]!.sort_key, before.rows[0]!.id]);
const explained = await explainPages(db, bigTeamUuid, before.rows[0]!);
await db.destroy();

const shared = { teamId: seeded.bigTeam.id, token: seeded.bigTeam.token, secretIds: seeded.sampleSecretIds };
const masterKeyText = masterKey.toString('base64');
const measurements: Measurement[] = [];
const counts: CountResult[] = [];
const sampleAnswers = new Map<string, string>();

const subjectTargets = new Map<SubjectName, SubjectTargets>();
// Pass 1: statements per request, through the counting proxy, one request at a time. Every
// subject's reads are counted before any subject's writes, so that the answers compared below
// (raw's must be cloakroom's, byte for byte) read the same data.
for (const writes of [false, true]) {
  for (const subject of subjects) {
    const operations = operationsOf(subject).filter((name) => OPERATIONS.find((known) => known.name === name)!.write === writes);
    if (!operations.length) continue;
    const counter = await startStatementCounter(databaseUrl);
    const running = await startSubject(subject, counter.url, masterKeyText);
    const targets: SubjectTargets = subjectTargets.get(subject) ?? {
      ...shared,
      subject,
      page500Cursor: subject === 'postgraphile' ? await postgraphileCursorAt(running.url, shared.teamId, pageOffset) : cloakroomCursor,
    };
    subjectTargets.set(subject, targets);
    progress(`${subject}: counting SQL statements per request (${writes ? 'writes' : 'reads'})`);
    for (const operation of operations) {
      await sendSequentially(running.url, targets, operation, 3);
      counter.reset();
      const answer = await sendSequentially(running.url, targets, operation, COUNTED_REQUESTS, 3);
      counts.push({ subject, operation, statementsPerRequest: counter.count() / COUNTED_REQUESTS });
      if (!writes) sampleAnswers.set(`${subject}:${operation}`, answer);
    }
    await running.stop();
    await counter.close();
  }
}

// Pass 2: throughput and latency, straight to PostgreSQL. Every subject is started (an idle server
// costs no CPU), then the subjects take turns on each cell, round after round: a noisy moment on
// this shared machine lands on one round of every subject, not on all the rounds of one.
const running = new Map<SubjectName, RunningSubject>();
const idleRss: IdleRss[] = [];
for (const subject of subjects) {
  const started = await startSubject(subject, databaseUrl, masterKeyText);
  running.set(subject, started);
  await sleep(1000);
  idleRss.push({ subject, bytes: started.takePeakRss() });
}
for (const operation of OPERATIONS.map((known) => known.name)) {
  const taking = subjects.filter((subject) => operationsOf(subject).includes(operation));
  for (const subject of taking) {
    progress(`${subject} ${operation}: warming up`);
    await drive(running.get(subject)!.url, subjectTargets.get(subject)!, operation, 8, quick ? 1 : 2);
  }
  for (const connections of connectionCounts) {
    for (let round = 1; round <= rounds; round++) {
      for (const subject of taking) {
        const server = running.get(subject)!;
        server.takePeakRss();
        const cpuBefore = { server: processCpuMs(server.pid), postgres: databaseBackendsCpuMs(databaseName) };
        const result = await drive(server.url, subjectTargets.get(subject)!, operation, connections, seconds);
        const perRequest = (ms: number) => (result.requests ? ms / result.requests : 0);
        const measurement = {
          subject,
          operation,
          connections,
          round,
          ...result,
          peakRssBytes: server.takePeakRss(),
          serverCpuMsPerRequest: perRequest(processCpuMs(server.pid) - cpuBefore.server),
          postgresCpuMsPerRequest: perRequest(backendsCpuSpentMs(cpuBefore.postgres, databaseBackendsCpuMs(databaseName))),
        };
        measurements.push(measurement);
        progress(
          `${subject} ${operation} ×${connections} round ${round}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
            `RSS ${(measurement.peakRssBytes / 2 ** 20).toFixed(0)} MB${result.failures ? `, ${result.failures} FAILED` : ''}`,
        );
      }
    }
  }
}
for (const server of running.values()) await server.stop();

// `cli run`, invocation to child start, on this PostgreSQL database and on a fresh embedded one.
const cliRuns: CliRunTiming[] = [];
if (subjects.includes('cloakroom')) {
  progress(`cli run ×${CLI_RUNS} on PostgreSQL`);
  const postgres = { DATABASE_URL: databaseUrl, CLOAKROOM_MASTER_KEY: masterKeyText };
  cliRuns.push({ database: 'PostgreSQL', ms: await timeCliRuns(postgres, shared.secretIds[0]!) });
  progress(`cli run ×${CLI_RUNS} on the embedded database`);
  const embedded = await embeddedDataDir();
  try {
    cliRuns.push({ database: 'embedded', ms: await timeCliRuns(embedded.env, embedded.secretId) });
  } finally {
    embedded.remove();
  }
  for (const timing of cliRuns) progress(`cli run on ${timing.database}: ${timing.ms.map((ms) => ms.toFixed(0)).join(', ')} ms`);
}

// The raw baseline must answer exactly what cloakroom answers, or the comparison means nothing.
for (const operation of ['list', 'page', 'node']) {
  const ours = sampleAnswers.get(`cloakroom:${operation}`);
  const raw = sampleAnswers.get(`raw:${operation}`);
  if (ours && raw && ours !== raw) {
    let at = 0;
    while (ours[at] === raw[at]) at++;
    const around = (text: string) => text.slice(Math.max(0, at - 150), at + 150);
    throw new Error(`the raw baseline's ${operation} answer differs from cloakroom's at ${at}:\n${around(ours)}\n${around(raw)}`);
  }
}

const failures = measurements.reduce((sum, measurement) => sum + measurement.failures, 0);
writeReport(output, {
  machine: await machineDescription(databaseUrl),
  sizes,
  seconds,
  rounds,
  connectionCounts,
  idleRss,
  cliRuns,
  pageNumber,
  measurements,
  counts,
  explained,
  durationSeconds: (performance.now() - startedAt) / 1000,
  quick,
});
progress(`wrote ${output.report}, ${output.chart} and ${output.data}${failures ? ` — ${failures} requests FAILED` : ''}`);
if (failures) process.exitCode = 1;
