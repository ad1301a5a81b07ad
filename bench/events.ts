// `npm run bench:events [-- --subscribers 1000 --mutations 100]`: one cloakroom instance on
// PostgreSQL, N concurrent GraphQL-over-SSE subscribers of one team's events, then a burst of
// mutations; reports the delivery latency (event's occurredAt → received by a subscriber, one clock)
// and the server's resident memory, in its section of bench/RESULTS.md. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createDatabase } from '../src/database/database.ts';
import { bootstrapTeam } from '../src/modules/team/team.service.ts';
import { toGlobalId } from '../src/graphql/global-id.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { machineDescription } from './report.ts';
import { recreateDatabase } from './seed.ts';
import { startSubject } from './subjects.ts';
import { writeMarkedSection } from './results-sections.ts';

const { values: options } = parseArgs({
  options: { subscribers: { type: 'string', default: '1000' }, mutations: { type: 'string', default: '100' } },
});
const subscribers = Number(options.subscribers);
const mutations = Number(options.mutations);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/cloakroom_bench_events';
const started = performance.now();
const progress = (message: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);

progress(`database ${databaseUrl.replace(/\/\/[^@]*@/, '//')}: recreating, migrating`);
await recreateDatabase(databaseUrl);
const db = createDatabase({ databaseUrl });
await migrateToLatest(db);
const { team, token } = await bootstrapTeam(db, {
  teamName: 'Events bench',
  email: `bench-${randomBytes(4).toString('hex')}@example.test`,
});
await db.destroy();
const teamId = toGlobalId('Team', team.id);

const subject = await startSubject('cloakroom', databaseUrl, randomBytes(32).toString('base64'));
const rssIdle = subject.takePeakRss();
// Node's fetch opens as many connections to one origin as there are open requests: one per stream,
// as 1,000 separate clients would have.
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
const query = 'subscription($t: ID!) { teamEvents(teamId: $t) { cursor occurredAt } }';

const latencies: number[] = [];
const counts = new Array<number>(subscribers).fill(0);
const controllers: AbortController[] = [];

async function subscribe(index: number): Promise<void> {
  const controller = new AbortController();
  controllers.push(controller);
  const response = await fetch(subject.url, {
    method: 'POST',
    headers: { ...headers, accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables: { t: teamId } }),
    signal: controller.signal,
  });
  if (response.status !== 200) throw new Error(`subscriber ${index}: HTTP ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (!data || !block.includes('event: next')) continue;
          const event = (JSON.parse(data) as { data: { teamEvents: { occurredAt: string } } }).data.teamEvents;
          latencies.push(Date.now() - Date.parse(event.occurredAt));
          counts[index]! += 1;
        }
      }
    } catch {
      // aborted at the end
    }
  })();
}

progress(`opening ${subscribers} subscriptions`);
const openStarted = performance.now();
for (let index = 0; index < subscribers; index += 50) {
  await Promise.all(Array.from({ length: Math.min(50, subscribers - index) }, (_v, offset) => subscribe(index + offset)));
}
const openSeconds = (performance.now() - openStarted) / 1000;
await new Promise((resolve) => setTimeout(resolve, 1_000));
const rssSubscribed = subject.takePeakRss();

progress(`burst of ${mutations} mutations (10 at a time)`);
const burstStarted = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 10 }, async () => {
    while (next < mutations) {
      const n = next++;
      const response = await fetch(subject.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          query: 'mutation($i: UpdateTeamInput!) { updateTeam(input: $i) { __typename } }',
          variables: { i: { id: teamId, name: `Burst ${n}` } },
        }),
      });
      const body = (await response.json()) as { data?: { updateTeam?: { __typename: string } } };
      if (body.data?.updateTeam?.__typename !== 'UpdateTeamSuccess') throw new Error(`mutation ${n}: ${JSON.stringify(body)}`);
    }
  }),
);
const burstSeconds = (performance.now() - burstStarted) / 1000;
const expected = subscribers * mutations;
const deadline = Date.now() + 120_000;
while (latencies.length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
const deliveredSeconds = (performance.now() - burstStarted) / 1000;
const rssPeak = subject.takePeakRss();
for (const controller of controllers) controller.abort();
await subject.stop();

const sorted = [...latencies].sort((a, b) => a - b);
const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const complete = counts.every((count) => count === mutations);
const report = `## Event streams

\`npm run bench:events\` (${new Date().toISOString().slice(0, 10)}): one cloakroom instance (NODE_ENV=production, no Redis: in-process
wake-ups) on PostgreSQL, ${subscribers} concurrent GraphQL-over-SSE subscribers of one team's \`teamEvents\`, each on its own
connection, then a burst of ${mutations} \`updateTeam\` mutations, 10 at a time. Latency: from the event's \`occurredAt\` (set in
the mutation's transaction, before its commit) to its arrival at a subscriber, both on this machine's clock, over all
${expected.toLocaleString('en')} deliveries. Load generator, server and PostgreSQL share the machine's cores.

${(await machineDescription(databaseUrl))
  // Its line about autocannon is the main bench's: here the subscribers and the burst run in this process.
  .filter((line) => !line.includes('autocannon'))
  .map((line) => `- ${line}`)
  .join('\n')}

| measure | value |
| --- | --- |
| subscriptions opened | ${subscribers} in ${openSeconds.toFixed(1)} s |
| events delivered | ${latencies.length.toLocaleString('en')} of ${expected.toLocaleString('en')} (${complete ? 'every subscriber got every event, once' : 'INCOMPLETE'}) |
| burst: mutations answered | ${mutations} in ${burstSeconds.toFixed(2)} s |
| burst: last event delivered | ${deliveredSeconds.toFixed(2)} s after the burst began |
| delivery latency p50 | ${percentile(50)} ms |
| delivery latency p90 | ${percentile(90)} ms |
| delivery latency p99 | ${percentile(99)} ms |
| delivery latency max | ${sorted.at(-1)} ms |
| server RSS, idle | ${mb(rssIdle)} MB |
| server RSS, ${subscribers} subscribers open | ${mb(rssSubscribed)} MB |
| server RSS, peak during the burst | ${mb(rssPeak)} MB |

Each commit wakes the team's one feed in the process, which reads the new events once from the outbox and hands them to
every subscriber; each subscriber then authorises the event for its token and resolves its fields with fresh loaders.
`;
writeMarkedSection('bench/RESULTS.md', 'events', report);
progress(
  `wrote the events section of bench/RESULTS.md: p50 ${percentile(50)} ms, p99 ${percentile(99)} ms, ${complete ? 'complete' : 'INCOMPLETE'}`,
);
process.exit(complete ? 0 : 1);
