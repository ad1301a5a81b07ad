// `npm run bench:scaling [-- --quick]`: cloakroom with 1, 2 and 3 instances behind nginx
// (deploy/nginx.conf, rendered as the cluster test renders it) on one PostgreSQL, driven with the
// benchmark's list and mixed operations; writes its section of bench/RESULTS.md (between the
// scaling markers, the rest of the file untouched). See bench/README.md.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startNginx, type Nginx } from '../test/helpers/nginx.ts';
import { drive, type LoadResult, type SubjectTargets } from './load.ts';
import type { OperationName } from './operations.ts';
import { machineDescription } from './report.ts';
import { DEFAULT_SIZES, freshSeededDatabase, QUICK_SIZES } from './seed.ts';
import { startSubject, type RunningSubject } from './subjects.ts';
import { writeMarkedSection } from './results-sections.ts';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    connections: { type: 'string' },
    instances: { type: 'string' },
  },
});
const quick = options.quick;
const sizes = quick ? QUICK_SIZES : DEFAULT_SIZES;
const seconds = Number(options.seconds ?? (quick ? 3 : 6));
const connections = Number(options.connections ?? 32);
const instanceCounts = (options.instances ?? '1,2,3').split(',').map(Number);
const operations: OperationName[] = ['list', 'mixed'];
// Its own database: `npm run bench` drops and recreates cloakroom_bench, and may run at the same time.
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `postgres://root@127.0.0.1:5432/cloakroom_bench_scaling${quick ? '_quick' : ''}`;
const report = quick ? 'bench/RESULTS-quick.md' : 'bench/RESULTS.md';

const startedAt = performance.now();
const loadAtStart = loadavg()[0]!;
const progress = (message: string) => console.log(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}`);

const { db, masterKey, seeded } = await freshSeededDatabase(databaseUrl, sizes, progress);
await db.destroy();
const targets: SubjectTargets = {
  subject: 'cloakroom',
  teamId: seeded.bigTeam.id,
  token: seeded.bigTeam.token,
  secretIds: seeded.sampleSecretIds,
  page500Cursor: '',
};

interface Row extends LoadResult {
  setup: string;
  operation: OperationName;
}
const rows: Row[] = [];

/** Warm-up, then one measurement per operation against `url`. */
async function measure(setup: string, url: string): Promise<void> {
  for (const operation of operations) {
    await drive(url, targets, operation, 8, quick ? 1 : 2);
    const result = await drive(url, targets, operation, connections, seconds);
    rows.push({ setup, operation, ...result });
    progress(
      `${setup} ${operation} ×${connections}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms` +
        (result.failures ? `, ${result.failures} FAILED` : ''),
    );
  }
}

const running: RunningSubject[] = [];
let nginx: Nginx | undefined;
try {
  for (const count of instanceCounts) {
    while (running.length < count) running.push(await startSubject('cloakroom', databaseUrl, masterKey.toString('base64')));
    if (count === 1) await measure('1 instance, direct', running[0]!.url);
    nginx = await startNginx(running.map((subject) => Number(new URL(subject.url).port)));
    await measure(`${count} instance${count > 1 ? 's' : ''} behind nginx`, `${nginx.url}/graphql`);
    await nginx.stop();
    nginx = undefined;
  }
} finally {
  await nginx?.stop();
  await Promise.all(running.map((subject) => subject.stop()));
}

const fixed = (value: number) => value.toFixed(0);
const section = [
  '## Instances behind nginx',
  '',
  `\`npm run bench:scaling${quick ? ' -- --quick' : ''}\`: cloakroom (as in the table above: production mode, pool of 10 each) with 1, 2 and 3 instances behind`,
  `\`deploy/nginx.conf\`, on one PostgreSQL, ${connections} connections, ${seconds} s per measurement after a warm-up; data: ` +
    `${sizes.secrets.toLocaleString('en')} secrets (${sizes.bigTeamSecrets.toLocaleString('en')} in the big team). Run ${new Date().toISOString().slice(0, 16)} UTC.`,
  '',
  ...(await machineDescription(databaseUrl)).map((line) => `- ${line}`),
  `- Load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end: other processes on the machine weigh on every row.`,
  '',
  '| setup | operation | req/s | p50 ms | p99 ms | failed |',
  '| --- | --- | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (row) => `| ${row.setup} | ${row.operation} | ${fixed(row.requestsPerSecond)} | ${row.p50Ms} | ${row.p99Ms} | ${row.failures} |`,
  ),
  '',
  'Every instance, nginx, PostgreSQL and the load generator share the same cores: more instances',
  'add processes, not CPU. Where the cores are already saturated by one instance and PostgreSQL,',
  'a second or third instance cannot raise throughput and costs some in scheduling and nginx;',
  'the rows show what this machine does, not what separate machines would.',
].join('\n');
writeMarkedSection(report, 'scaling', section);
const failures = rows.reduce((sum, row) => sum + row.failures, 0);
progress(`wrote the scaling section of ${report}${failures ? ` — ${failures} requests FAILED` : ''}`);
if (failures) process.exitCode = 1;
