import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { markedSections } from './results-sections.ts';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/database/database.ts';
import { OPERATIONS, type OperationName } from './operations.ts';
import type { SeedSizes } from './seed.ts';
import { SUBJECT_TITLES, type SubjectName } from './subjects.ts';

export interface Measurement {
  subject: SubjectName;
  operation: OperationName;
  connections: number;
  /** Which turn of the subjects this was (1…rounds): ratios pair the subjects' measurements of one round. */
  round: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failures: number;
  peakRssBytes: number;
  /** CPU time of the subject's process per request, in ms (`bench/cpu-time.ts`). */
  serverCpuMsPerRequest: number;
  /** CPU time of the PostgreSQL backends serving the bench database per request, in ms. */
  postgresCpuMsPerRequest: number;
}

/** Resident memory of a subject's process 1 s after it started listening, before any load. */
export interface IdleRss {
  subject: SubjectName;
  bytes: number;
}

/** `cli run` from invocation to the child process starting, one figure per run. */
export interface CliRunTiming {
  database: 'PostgreSQL' | 'embedded';
  ms: number[];
}

export interface CountResult {
  subject: SubjectName;
  operation: OperationName;
  statementsPerRequest: number;
}

export interface PlanSummary {
  page: string;
  /** Each plan node on a table: type, table, index, rows it produced. */
  scans: string[];
  executionMs: number;
}

export interface ReportData {
  machine: string[];
  sizes: SeedSizes;
  seconds: number;
  rounds: number;
  connectionCounts: number[];
  idleRss: IdleRss[];
  cliRuns: CliRunTiming[];
  pageNumber: number;
  measurements: Measurement[];
  counts: CountResult[];
  explained: PlanSummary[];
  durationSeconds: number;
  quick: boolean;
}

const SUBJECTS: SubjectName[] = ['cloakroom', 'raw', 'postgraphile'];
const COLORS: Record<SubjectName, string> = { cloakroom: '#d6336c', raw: '#495057', postgraphile: '#1c7ed6' };
const WRITES: OperationName[] = ['update', 'rotate'];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

function scansOf(node: PlanNode): string[] {
  const here = node['Relation Name']
    ? [
        `${node['Node Type']} on ${node['Relation Name']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}: ${node['Actual Rows']} rows × ${node['Actual Loops']} loops`,
      ]
    : [];
  return [...here, ...(node.Plans ?? []).flatMap(scansOf)];
}

/** EXPLAIN ANALYZE of cloakroom's list statement for page 1 and for the page after `pageKey`. */
export async function explainPages(
  db: Kysely<Database>,
  teamId: string,
  pageKey: { sort_key: string; id: string },
): Promise<PlanSummary[]> {
  const select = sql`select "secrets".*, (select count(*)::int from locations where locations.secret_id = secrets.id) as "location_count", lower("secrets"."name") as "sort_key" from "secrets"`;
  const order = sql`order by lower("secrets"."name") asc, "secrets"."id" asc limit 51`;
  const statements = [
    { page: 'page 1', query: sql`explain (analyze, format json) ${select} where "secrets"."team_id" = ${teamId} ${order}` },
    {
      page: 'deep page (after cursor)',
      query: sql`explain (analyze, format json) ${select} where "secrets"."team_id" = ${teamId} and (lower("secrets"."name"), "secrets"."id") > (${pageKey.sort_key}, ${pageKey.id}) ${order}`,
    },
  ];
  const summaries: PlanSummary[] = [];
  for (const { page, query } of statements) {
    const { rows } = await query.execute(db);
    const [plan] = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] })['QUERY PLAN'];
    summaries.push({ page, scans: scansOf(plan.Plan), executionMs: plan['Execution Time'] });
  }
  return summaries;
}

export async function machineDescription(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  const { rows } = await client.query<{ version: string }>('select version()');
  await client.end();
  return [
    `CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; memory ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${osType()} ${release()}`,
    `Node.js ${process.version}; ${rows[0]!.version.split(',')[0]} on the same machine (loopback)`,
    'Load generator (autocannon) in the same process as the orchestrator, on the same 2 cores as the server under test and PostgreSQL: every subject shares the machine the same way.',
  ];
}

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** One cell (subject × operation × concurrency) over its rounds: medians, the highest RSS, every failure. */
interface Cell {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssBytes: number;
  failures: number;
  rounds: Measurement[];
}

function find(data: ReportData, subject: SubjectName, operation: OperationName, connections: number): Cell | undefined {
  const rounds = data.measurements.filter((m) => m.subject === subject && m.operation === operation && m.connections === connections);
  if (!rounds.length) return undefined;
  return {
    requestsPerSecond: median(rounds.map((m) => m.requestsPerSecond)),
    p50Ms: median(rounds.map((m) => m.p50Ms)),
    p99Ms: median(rounds.map((m) => m.p99Ms)),
    peakRssBytes: Math.max(...rounds.map((m) => m.peakRssBytes)),
    failures: rounds.reduce((sum, m) => sum + m.failures, 0),
    rounds,
  };
}

/** cloakroom ÷ a baseline, round by round (both measured within moments of each other): median, min and max. */
export interface Ratio {
  median: number;
  min: number;
  max: number;
}

export function pairedRatio(
  data: ReportData,
  baseline: SubjectName,
  operation: OperationName,
  connections: number,
  field: 'requestsPerSecond' | 'p99Ms' = 'requestsPerSecond',
): Ratio | undefined {
  const ours = find(data, 'cloakroom', operation, connections)?.rounds;
  const theirs = find(data, baseline, operation, connections)?.rounds;
  if (!ours || !theirs) return undefined;
  const ratios = ours.flatMap((m) => {
    const other = theirs.find((t) => t.round === m.round)?.[field];
    return other ? [m[field] / other] : [];
  });
  return ratios.length ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } : undefined;
}

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
const fixed = (value: number | undefined, digits = 0) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));
const spread = (r: Ratio | undefined) => (r ? `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : '–');
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const titleOf = (operation: OperationName) => OPERATIONS.find((o) => o.name === operation)!.title;

/** Each target of issue #18, judged on the median of the paired ratios: what was asked, what was seen, whether it holds. */
function targets(data: ReportData): { target: string; measured: string; met: boolean }[] {
  const rows: { target: string; measured: string; met: boolean }[] = [];
  const throughput = (operation: OperationName, baseline: SubjectName, floor: number) => {
    const ratios = data.connectionCounts.map((c) => pairedRatio(data, baseline, operation, c));
    if (ratios.every((r) => r === undefined)) return;
    rows.push({
      target: `${operation}: throughput ≥ ${floor.toFixed(1)}× ${SUBJECT_TITLES[baseline]} (every concurrency)`,
      measured: ratios.map(spread).join(' / '),
      met: ratios.every((r) => r !== undefined && r.median >= floor),
    });
  };
  throughput('list', 'postgraphile', 1.2);
  throughput('page', 'postgraphile', 1.2);
  for (const operation of ['list', 'page'] as const) {
    const p99 = pairedRatio(data, 'postgraphile', operation, 32, 'p99Ms');
    if (p99)
      rows.push({ target: `${operation}: p99 at 32 connections ≤ PostGraphile's`, measured: `${spread(p99)}×`, met: p99.median <= 1 });
  }
  throughput('node', 'postgraphile', 1.0);
  throughput('node', 'raw', 0.6);
  for (const operation of WRITES) throughput(operation, 'raw', 0.5);
  const pageVsList = ratio(find(data, 'cloakroom', 'page', 1)?.p50Ms, find(data, 'cloakroom', 'list', 1)?.p50Ms);
  if (pageVsList !== undefined)
    rows.push({
      target: `page ${data.pageNumber} by cursor within 1.3× of page 1 (p50, 1 connection)`,
      measured: `${fixed(pageVsList, 2)}×`,
      met: pageVsList <= 1.3,
    });
  const deepScan = data.explained.flatMap((plan) => plan.scans).filter((scan) => /on secrets/.test(scan));
  rows.push({
    target: 'no query plan scans a whole team’s secrets',
    measured: deepScan.join('; '),
    met: deepScan.every((scan) => !/^Seq Scan/.test(scan) && Number(/: (\d+) rows/.exec(scan)?.[1] ?? Infinity) <= 51),
  });
  const statements = (operation: OperationName) =>
    data.counts.find((c) => c.subject === 'cloakroom' && c.operation === operation)?.statementsPerRequest;
  // One token lookup per 20 counted requests would be 0.05: the token cache (2 s) outlives the pass.
  rows.push({
    target: 'SQL statements per list request: 1 (authentication: none while the token is cached)',
    measured: `list: ${fixed(statements('list'), 2)}, page: ${fixed(statements('page'), 2)}, node: ${fixed(statements('node'), 2)}`,
    met: (statements('list') ?? Infinity) < 1.1 && (statements('page') ?? Infinity) < 1.1,
  });
  const peak = (subject: SubjectName) =>
    Math.max(...data.measurements.filter((m) => m.subject === subject && m.connections === 64).map((m) => m.peakRssBytes));
  if (Number.isFinite(peak('cloakroom')) && Number.isFinite(peak('postgraphile')))
    rows.push({
      target: 'peak RSS at 64 connections ≤ PostGraphile’s',
      measured: `${mb(peak('cloakroom'))} MB vs ${mb(peak('postgraphile'))} MB`,
      met: peak('cloakroom') <= peak('postgraphile'),
    });
  const idle = data.idleRss.find((entry) => entry.subject === 'cloakroom');
  if (idle) rows.push({ target: 'idle RSS after start ≤ 120 MB', measured: `${mb(idle.bytes)} MB`, met: idle.bytes <= 120 * 2 ** 20 });
  for (const { database, ms } of data.cliRuns) {
    const limit = database === 'PostgreSQL' ? 500 : 2000;
    rows.push({
      target: `cli run on ${database === 'PostgreSQL' ? 'PostgreSQL' : 'the embedded database'}: invocation → child start ≤ ${limit} ms (median of ${ms.length})`,
      measured: `${fixed(median(ms))} ms (${fixed(Math.min(...ms))}–${fixed(Math.max(...ms))})`,
      met: median(ms) <= limit,
    });
  }
  return rows;
}

function chart(data: ReportData): string {
  const operations = OPERATIONS.map((o) => o.name);
  const [panelWidth, panelHeight, margin] = [300, 200, 46];
  const columns = 3;
  const width = columns * (panelWidth + margin) + margin;
  const height = Math.ceil(operations.length / columns) * (panelHeight + margin + 24) + 60;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin}" y="20" font-size="14" font-weight="bold">Throughput (requests/s, median of the rounds) vs concurrent connections</text>`,
  ];
  SUBJECTS.forEach((subject, i) => {
    const x = margin + i * 180;
    parts.push(
      `<rect x="${x}" y="30" width="12" height="12" fill="${COLORS[subject]}"/><text x="${x + 16}" y="40">${SUBJECT_TITLES[subject]}</text>`,
    );
  });
  operations.forEach((operation, index) => {
    const left = margin + (index % columns) * (panelWidth + margin);
    const top = 70 + Math.floor(index / columns) * (panelHeight + margin + 24);
    const points = data.measurements.filter((m) => m.operation === operation);
    const max = Math.max(1, ...points.map((m) => m.requestsPerSecond)) * 1.1;
    const xOf = (c: number) => left + (data.connectionCounts.indexOf(c) + 0.5) * (panelWidth / data.connectionCounts.length);
    const yOf = (rps: number) => top + panelHeight - (rps / max) * panelHeight;
    parts.push(`<text x="${left}" y="${top - 8}" font-weight="bold">${titleOf(operation)}</text>`);
    parts.push(`<rect x="${left}" y="${top}" width="${panelWidth}" height="${panelHeight}" fill="none" stroke="#ced4da"/>`);
    for (const fraction of [0, 0.5, 1]) {
      const y = top + panelHeight - fraction * panelHeight;
      parts.push(`<text x="${left - 4}" y="${y + 4}" text-anchor="end">${Math.round((fraction * max) / 10) * 10}</text>`);
    }
    for (const c of data.connectionCounts) parts.push(`<text x="${xOf(c)}" y="${top + panelHeight + 14}" text-anchor="middle">${c}</text>`);
    for (const subject of SUBJECTS) {
      const line = data.connectionCounts.flatMap((c) => {
        const cell = find(data, subject, operation, c);
        return cell ? [{ connections: c, requestsPerSecond: cell.requestsPerSecond }] : [];
      });
      if (!line.length) continue;
      const path = line.map((m) => `${xOf(m.connections).toFixed(1)},${yOf(m.requestsPerSecond).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${path}" fill="none" stroke="${COLORS[subject]}" stroke-width="2"/>`);
      for (const m of line)
        parts.push(
          `<circle cx="${xOf(m.connections).toFixed(1)}" cy="${yOf(m.requestsPerSecond).toFixed(1)}" r="3" fill="${COLORS[subject]}"/>`,
        );
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function markdown(data: ReportData, chartFile: string): string {
  const lines: string[] = [];
  lines.push(`# Benchmark results${data.quick ? ' (quick mode: small data, short runs — not the reference figures)' : ''}`, '');
  lines.push(
    `Written by \`npm run bench${data.quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC in ${(data.durationSeconds / 60).toFixed(1)} min. How it works and how to read it: [bench/README.md](README.md).`,
    '',
  );
  lines.push('**Machine.**', '', ...data.machine.map((line) => `- ${line}`), '');
  lines.push(
    `**Data.** ${data.sizes.teams} teams, ${data.sizes.secrets.toLocaleString('en')} secrets (one team holds ${data.sizes.bigTeamSecrets.toLocaleString('en')}), ` +
      `${data.sizes.locations.toLocaleString('en')} locations, envelope-encrypted like the app writes them. Every operation targets the big team. ` +
      `Each measurement: ${data.seconds} s of autocannon at the given keep-alive connections, after a warm-up; ` +
      `${data.rounds} rounds per cell, the subjects taking turns within each round (cloakroom, raw, PostGraphile, then again).`,
    '',
  );
  lines.push('## Targets', '', '| target | measured | met |', '|---|---|---|');
  for (const row of targets(data)) lines.push(`| ${row.target} | ${row.measured} | ${row.met ? 'yes' : '**no**'} |`);
  lines.push(
    '',
    `Ratios are cloakroom ÷ baseline, one per concurrency (${data.connectionCounts.join(' / ')}): the median of the ${data.rounds} rounds' ratios ` +
      '(each round pairs measurements taken moments apart), min–max in parentheses. Targets are judged on the median. ' +
      `Idle RSS: ${data.idleRss.map((entry) => `${SUBJECT_TITLES[entry.subject]} ${mb(entry.bytes)} MB`).join(', ')}.`,
    '',
  );

  lines.push('## Throughput and latency', '', `![throughput vs concurrency](${chartFile})`, '');
  for (const operation of OPERATIONS.map((o) => o.name)) {
    lines.push(
      `### ${titleOf(operation)}`,
      '',
      '| subject | conns | req/s (median) | req/s by round | p50 ms | p99 ms | peak RSS MB | ÷ raw | ÷ PostGraphile | failed |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const subject of SUBJECTS) {
      for (const c of data.connectionCounts) {
        const m = find(data, subject, operation, c);
        if (!m) continue;
        const vsRaw = subject === 'cloakroom' ? spread(pairedRatio(data, 'raw', operation, c)) : '';
        const vsPg = subject === 'cloakroom' ? spread(pairedRatio(data, 'postgraphile', operation, c)) : '';
        const perRound = m.rounds.map((r) => fixed(r.requestsPerSecond)).join(' / ');
        lines.push(
          `| ${SUBJECT_TITLES[subject]} | ${c} | ${fixed(m.requestsPerSecond)} | ${perRound} | ${fixed(m.p50Ms)} | ${fixed(m.p99Ms)} | ${mb(m.peakRssBytes)} | ${vsRaw} | ${vsPg} | ${m.failures} |`,
        );
      }
    }
    lines.push('');
  }

  lines.push(
    '## SQL statements per request',
    '',
    'Counted at the PostgreSQL wire protocol (`bench/statement-counter.ts`), 20 sequential requests per operation after 3 warm-up requests; BEGIN and COMMIT count.',
    '',
  );
  lines.push(`| operation | ${SUBJECTS.map((s) => SUBJECT_TITLES[s]).join(' | ')} |`, `|---|${SUBJECTS.map(() => '---:').join('|')}|`);
  for (const operation of OPERATIONS.map((o) => o.name)) {
    const cells = SUBJECTS.map((subject) =>
      fixed(data.counts.find((c) => c.subject === subject && c.operation === operation)?.statementsPerRequest, 2),
    );
    lines.push(`| ${titleOf(operation)} | ${cells.join(' | ')} |`);
  }
  lines.push(...cpuSection(data));
  lines.push('', '## Query plans of the secrets list (EXPLAIN ANALYZE on the seeded data)', '');
  for (const plan of data.explained) lines.push(`- **${plan.page}** (${plan.executionMs.toFixed(2)} ms): ${plan.scans.join('; ')}`);
  lines.push('');
  const analysis = new URL('analysis.md', import.meta.url);
  if (existsSync(analysis)) lines.push(readFileSync(analysis, 'utf8').trim(), '');
  return lines.join('\n');
}

/** Where a request's CPU goes, per subject: its own process and PostgreSQL (medians of the rounds). */
function cpuSection(data: ReportData): string[] {
  const connections = data.connectionCounts.includes(32) ? 32 : data.connectionCounts.at(-1)!;
  const lines = [
    '',
    '## CPU per request',
    '',
    `CPU time (user + system, from \`/proc\`) per request at ${connections} connections, median of the rounds: the subject's own process, then ` +
      "the PostgreSQL backends serving the bench database (`bench/cpu-time.ts`). Both share the machine's 2 cores with the load " +
      'generator, so either one slows throughput.',
    '',
    `| operation | ${SUBJECTS.map((s) => `${SUBJECT_TITLES[s]}: server / PostgreSQL ms`).join(' | ')} |`,
    `|---|${SUBJECTS.map(() => '---:').join('|')}|`,
  ];
  for (const operation of OPERATIONS.map((o) => o.name)) {
    const cells = SUBJECTS.map((subject) => {
      const rounds = data.measurements.filter((m) => m.subject === subject && m.operation === operation && m.connections === connections);
      if (!rounds.length) return '–';
      return `${fixed(median(rounds.map((m) => m.serverCpuMsPerRequest)), 2)} / ${fixed(median(rounds.map((m) => m.postgresCpuMsPerRequest)), 2)}`;
    });
    lines.push(`| ${titleOf(operation)} | ${cells.join(' | ')} |`);
  }
  return lines;
}

/** Writes the report, its chart and its figures as JSON (for `bench:compare`); the sections `bench:scaling` and `bench:events` wrote stay. */
export function writeReport(output: { report: string; chart: string; data: string }, data: ReportData): void {
  const sections = markedSections(output.report);
  writeFileSync(output.data, JSON.stringify(data, null, 1) + '\n');
  writeFileSync(output.chart, chart(data));
  writeFileSync(output.report, [markdown(data, output.chart.replace(/^bench\//, '')).trimEnd(), ...sections].join('\n\n') + '\n');
}
