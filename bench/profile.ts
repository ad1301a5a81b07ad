// `npm run bench:profile -- [--operation list] [--connections 32] [--seconds 8] [--subject cloakroom]
// [--node-option=--max-semi-space-size=32 ...] [--allocations]`: seeds the quick data set, drives
// one operation of one subject under `node --cpu-prof`, and prints where its CPU time went (self
// time by package and by function); with `--allocations`, where its memory was allocated (bytes
// per request, by package and by function). The tool behind the profiles in bench/analysis.md.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase } from '../src/database/database.ts';
import { createKeyring } from '../src/modules/crypto/envelope.ts';
import { encodeCursor } from '../src/graphql/pagination.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { sql } from 'kysely';
import { postgraphileCursorAt } from './baselines/postgraphile-queries.ts';
import { drive } from './load.ts';
import { OPERATIONS, type OperationName } from './operations.ts';
import { QUICK_SIZES, recreateDatabase, seed } from './seed.ts';
import { startSubject, type SubjectName } from './subjects.ts';

const { values: options } = parseArgs({
  options: {
    operation: { type: 'string', default: 'list' },
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '8' },
    subject: { type: 'string', default: 'cloakroom' },
    'node-option': { type: 'string', multiple: true, default: [] },
    top: { type: 'string', default: '25' },
    /** A function name: prints the call stacks that lead to it, heaviest first. */
    callers: { type: 'string' },
    /** `--no-cpu-prof`: only the figures (throughput, latency, memory), without the profiler's overhead. */
    'cpu-prof': { type: 'boolean', default: true },
    /** Sample allocations instead of CPU time (`allocation-sampler.ts`). */
    allocations: { type: 'boolean', default: false },
  },
  allowNegative: true,
});
const operation = options.operation as OperationName;
if (!OPERATIONS.some((known) => known.name === operation))
  throw new Error(`--operation must be one of ${OPERATIONS.map((known) => known.name).join(', ')}`);
const subject = options.subject as SubjectName;
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/cloakroom_bench_profile';

// The quick data set; page 50 of the big team stands for the deep page.
await recreateDatabase(databaseUrl);
const db = createDatabase({ databaseUrl });
await migrateToLatest(db);
const masterKey = randomBytes(32);
const seeded = await seed(db, createKeyring(masterKey), QUICK_SIZES, (message) => console.log(message));
const pageOffset = 49 * 50 - 1;
const bigTeamUuid = Buffer.from(seeded.bigTeam.id, 'base64').toString('utf8').split(':')[1]!;
const before = await sql<{ sort_key: string; id: string }>`
  select lower(name) as sort_key, id from secrets where team_id = ${bigTeamUuid} order by lower(name), id offset ${pageOffset} limit 1`.execute(
  db,
);
await db.destroy();

const profileDirectory = mkdtempSync(join(tmpdir(), 'cloakroom-profile-'));
const allocationProfile = join(profileDirectory, 'allocations.heapprofile');
const profiling = options.allocations
  ? ['--import', './bench/allocation-sampler.ts']
  : options['cpu-prof']
    ? ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`]
    : [];
const running = await startSubject(subject, databaseUrl, masterKey.toString('base64'), [...options['node-option'], ...profiling], {
  CLOAKROOM_ALLOCATION_PROFILE: allocationProfile,
});
const targets = {
  subject,
  teamId: seeded.bigTeam.id,
  token: seeded.bigTeam.token,
  secretIds: seeded.sampleSecretIds,
  page500Cursor:
    subject === 'postgraphile'
      ? await postgraphileCursorAt(running.url, seeded.bigTeam.id, pageOffset)
      : encodeCursor([before.rows[0]!.sort_key, before.rows[0]!.id]),
};
await drive(running.url, targets, operation, 8, 2);
if (options.allocations) process.kill(running.pid, 'SIGUSR2');
running.takePeakRss();
const cpuBefore = cpuMsOf(running.pid);
const result = await drive(running.url, targets, operation, Number(options.connections), Number(options.seconds));
const cpuMs = cpuMsOf(running.pid) - cpuBefore;
const peakRss = running.takePeakRss();
await running.stop();
console.log(
  `${subject} ${operation} ×${options.connections}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
    `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB, ${result.failures} failed, CPU ${(cpuMs / result.requests).toFixed(2)} ms per request`,
);

/**
 * CPU time (user and system) the subject's process has used so far, from /proc (Linux; clock
 * ticks of 10 ms). Per request, it stays comparable on a machine shared with other work, where
 * throughput does not: A/B comparisons on a busy machine read this figure.
 */
function cpuMsOf(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, counted after the command name (which may hold spaces).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** Where a function lives: a package, one of our folders, Node itself, or V8's pseudo-frames. */
function packageOf({ url, functionName }: CallFrame): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const nodeModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nodeModules) return nodeModules[1]!;
  const ours = /\/(src|bench|db)\/(?:modules\/)?([^/]+)/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}
const describe = (callFrame: CallFrame) => `${callFrame.functionName || '(anonymous)'} ${packageOf(callFrame)}:${callFrame.lineNumber + 1}`;

/** Prints the heaviest keys of `weights` (function or package), each as `format(weight)`. */
function printTop(
  title: string,
  weights: { callFrame: CallFrame; weight: number }[],
  keyOf: (callFrame: CallFrame) => string,
  format: (weight: number) => string,
): void {
  const totals = new Map<string, number>();
  for (const { callFrame, weight } of weights) totals.set(keyOf(callFrame), (totals.get(keyOf(callFrame)) ?? 0) + weight);
  console.log(`\n${title}`);
  for (const [key, weight] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(options.top)))
    console.log(`${format(weight)}  ${key}`);
}

if (options.allocations) {
  interface SamplingNode {
    callFrame: CallFrame;
    selfSize: number;
    children: SamplingNode[];
  }
  const { head } = JSON.parse(readFileSync(allocationProfile, 'utf8')) as { head: SamplingNode };
  rmSync(profileDirectory, { recursive: true, force: true });
  const weights: { callFrame: CallFrame; weight: number }[] = [];
  const visit = (node: SamplingNode): void => {
    weights.push({ callFrame: node.callFrame, weight: node.selfSize });
    node.children.forEach(visit);
  };
  visit(head);
  const perRequest = (bytes: number) => `${(bytes / result.requests / 1024).toFixed(1).padStart(8)} KB`;
  const total = weights.reduce((sum, { weight }) => sum + weight, 0);
  console.log(`\nallocated ${perRequest(total).trim()} per request (${result.requests} requests; freed objects included)`);
  printTop('allocated per request, by package', weights, packageOf, perRequest);
  printTop('allocated per request, by function', weights, describe, perRequest);
  process.exit(0);
}
if (!options['cpu-prof']) process.exit(0);

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
const file = readdirSync(profileDirectory).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile written to ${profileDirectory}`);
const profile = JSON.parse(readFileSync(join(profileDirectory, file), 'utf8')) as { nodes: ProfileNode[] };
rmSync(profileDirectory, { recursive: true, force: true });

const busy = profile.nodes
  .filter((node) => node.hitCount && node.callFrame.functionName !== '(idle)')
  .map((node) => ({ callFrame: node.callFrame, weight: node.hitCount! }));
const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
const busyHits = busy.reduce((sum, { weight }) => sum + weight, 0);
const share = (hits: number) => `${((100 * hits) / busyHits).toFixed(1).padStart(6)} %`;
console.log(`\nbusy ${((100 * busyHits) / totalHits).toFixed(0)} % of ${totalHits} samples`);
printTop('self time by package (% of busy samples)', busy, packageOf, share);
printTop('self time by function (% of busy samples)', busy, describe, share);

if (options.callers) {
  const parentOf = new Map<number, ProfileNode>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const stacks = new Map<string, number>();
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== options.callers || !node.hitCount) continue;
    const frames: string[] = [];
    for (let frame = parentOf.get(node.id); frame && frames.length < 16; frame = parentOf.get(frame.id))
      frames.push(describe(byId.get(frame.id)!.callFrame));
    const stack = frames.join('\n      <- ');
    stacks.set(stack, (stacks.get(stack) ?? 0) + node.hitCount);
  }
  console.log(`\ncallers of ${options.callers}`);
  for (const [stack, count] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`${share(count)}  <- ${stack}`);
}
