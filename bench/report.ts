import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failures: number;
  peakRssBytes: number;
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
  connectionCounts: number[];
  pageNumber: number;
  measurements: Measurement[];
  counts: CountResult[];
  explained: PlanSummary[];
  durationSeconds: number;
  quick: boolean;
}

const SUBJECTS: SubjectName[] = ['cloakroom', 'raw', 'postgraphile'];
const COLORS: Record<SubjectName, string> = { cloakroom: '#d6336c', raw: '#495057', postgraphile: '#1c7ed6' };
const READS: OperationName[] = ['list', 'node', 'page'];
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

const find = (data: ReportData, subject: SubjectName, operation: OperationName, connections: number) =>
  data.measurements.find((m) => m.subject === subject && m.operation === operation && m.connections === connections);
const fixed = (value: number | undefined, digits = 0) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const titleOf = (operation: OperationName) => OPERATIONS.find((o) => o.name === operation)!.title;

/** Each target of the issue, measured: what was asked, what was seen, and whether it holds. */
function targets(data: ReportData): { target: string; measured: string; met: boolean }[] {
  const rows: { target: string; measured: string; met: boolean }[] = [];
  const worst = (values: (number | undefined)[]) => Math.min(...values.filter((v): v is number => v !== undefined));
  for (const operation of READS) {
    const vsRaw = data.connectionCounts.map((c) =>
      ratio(find(data, 'cloakroom', operation, c)?.requestsPerSecond, find(data, 'raw', operation, c)?.requestsPerSecond),
    );
    const vsPg = data.connectionCounts.map((c) =>
      ratio(find(data, 'cloakroom', operation, c)?.requestsPerSecond, find(data, 'postgraphile', operation, c)?.requestsPerSecond),
    );
    rows.push({
      target: `${operation}: throughput ≥ 0.6× raw (every concurrency)`,
      measured: vsRaw.map((r) => fixed(r, 2)).join(' / '),
      met: worst(vsRaw) >= 0.6,
    });
    rows.push({
      target: `${operation}: throughput ≥ 1.2× PostGraphile (every concurrency)`,
      measured: vsPg.map((r) => fixed(r, 2)).join(' / '),
      met: worst(vsPg) >= 1.2,
    });
    const p99 = ratio(find(data, 'cloakroom', operation, 32)?.p99Ms, find(data, 'raw', operation, 32)?.p99Ms);
    if (p99 !== undefined)
      rows.push({ target: `${operation}: p99 at 32 connections ≤ 2× raw`, measured: `${fixed(p99, 2)}×`, met: p99 <= 2 });
  }
  for (const operation of WRITES) {
    const vsRaw = data.connectionCounts.map((c) =>
      ratio(find(data, 'cloakroom', operation, c)?.requestsPerSecond, find(data, 'raw', operation, c)?.requestsPerSecond),
    );
    rows.push({
      target: `${operation}: throughput ≥ 0.5× raw (every concurrency)`,
      measured: vsRaw.map((r) => fixed(r, 2)).join(' / '),
      met: worst(vsRaw) >= 0.5,
    });
  }
  const pageVsList = ratio(find(data, 'cloakroom', 'page', 1)?.p50Ms, find(data, 'cloakroom', 'list', 1)?.p50Ms);
  rows.push({
    target: `page ${data.pageNumber} by cursor within 1.3× of page 1 (p50, 1 connection)`,
    measured: `${fixed(pageVsList, 2)}×`,
    met: pageVsList !== undefined && pageVsList <= 1.3,
  });
  const deepScan = data.explained.flatMap((plan) => plan.scans).filter((scan) => /on secrets/.test(scan));
  rows.push({
    target: 'no query plan scans a whole team’s secrets',
    measured: deepScan.join('; '),
    met: deepScan.every((scan) => !/^Seq Scan/.test(scan) && Number(/: (\d+) rows/.exec(scan)?.[1] ?? Infinity) <= 51),
  });
  const statements = (operation: OperationName) =>
    data.counts.find((c) => c.subject === 'cloakroom' && c.operation === operation)?.statementsPerRequest;
  rows.push({
    target: 'SQL statements per request independent of page size (50 secrets vs 1)',
    measured: `list of 50: ${fixed(statements('list'), 2)}, node: ${fixed(statements('node'), 2)}`,
    met: (statements('list') ?? Infinity) <= (statements('node') ?? 0) + 1,
  });
  const rss = Math.max(...data.measurements.filter((m) => m.subject === 'cloakroom' && m.connections === 64).map((m) => m.peakRssBytes));
  if (Number.isFinite(rss))
    rows.push({ target: 'peak RSS ≤ 200 MB at 64 connections', measured: `${mb(rss)} MB`, met: rss <= 200 * 2 ** 20 });
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
    `<text x="${margin}" y="20" font-size="14" font-weight="bold">Throughput (requests/s) vs concurrent connections</text>`,
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
      const line = data.connectionCounts.map((c) => find(data, subject, operation, c)).filter((m): m is Measurement => m !== undefined);
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
      `Each measurement: ${data.seconds} s of autocannon at the given keep-alive connections, after a warm-up.`,
    '',
  );
  lines.push('## Targets', '', '| target | measured | met |', '|---|---|---|');
  for (const row of targets(data)) lines.push(`| ${row.target} | ${row.measured} | ${row.met ? 'yes' : '**no**'} |`);
  lines.push('', `Ratios are cloakroom ÷ baseline, one per concurrency (${data.connectionCounts.join(' / ')}).`, '');

  lines.push('## Throughput and latency', '', `![throughput vs concurrency](${chartFile})`, '');
  for (const operation of OPERATIONS.map((o) => o.name)) {
    lines.push(
      `### ${titleOf(operation)}`,
      '',
      '| subject | conns | req/s | p50 ms | p99 ms | peak RSS MB | ÷ raw | ÷ PostGraphile | failed |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const subject of SUBJECTS) {
      for (const c of data.connectionCounts) {
        const m = find(data, subject, operation, c);
        if (!m) continue;
        const vsRaw =
          subject === 'cloakroom' ? fixed(ratio(m.requestsPerSecond, find(data, 'raw', operation, c)?.requestsPerSecond), 2) : '';
        const vsPg =
          subject === 'cloakroom' ? fixed(ratio(m.requestsPerSecond, find(data, 'postgraphile', operation, c)?.requestsPerSecond), 2) : '';
        lines.push(
          `| ${SUBJECT_TITLES[subject]} | ${c} | ${fixed(m.requestsPerSecond)} | ${m.p50Ms} | ${m.p99Ms} | ${mb(m.peakRssBytes)} | ${vsRaw} | ${vsPg} | ${m.failures} |`,
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
  lines.push('', '## Query plans of the secrets list (EXPLAIN ANALYZE on the seeded data)', '');
  for (const plan of data.explained) lines.push(`- **${plan.page}** (${plan.executionMs.toFixed(2)} ms): ${plan.scans.join('; ')}`);
  lines.push('');
  const analysis = new URL('analysis.md', import.meta.url);
  if (existsSync(analysis)) lines.push(readFileSync(analysis, 'utf8').trim(), '');
  return lines.join('\n');
}

export function writeReport(output: { report: string; chart: string }, data: ReportData): void {
  writeFileSync(output.chart, chart(data));
  writeFileSync(output.report, markdown(data, output.chart.replace(/^bench\//, '')));
}
