// `npm run bench:compare -- A.json B.json`: do two `npm run bench` runs agree? For every operation
// and concurrency it prints cloakroom's median ratio to each baseline in both runs and how far
// apart they are, flagging the cells more than ±10 % apart (bench/README.md, "Stability"). Save
// bench/RESULTS.json after the first run (`cp bench/RESULTS.json /tmp/first.json`), run again,
// then compare the two.
import { readFileSync } from 'node:fs';
import { OPERATIONS } from './operations.ts';
import { pairedRatio, type ReportData } from './report.ts';
import { SUBJECT_TITLES, type SubjectName } from './subjects.ts';

const TOLERANCE = 0.1;
const [firstFile, secondFile] = process.argv.slice(2);
if (!firstFile || !secondFile) throw new Error('usage: npm run bench:compare -- FIRST.json SECOND.json');
const [first, second] = [firstFile, secondFile].map((file) => JSON.parse(readFileSync(file, 'utf8')) as ReportData);

const rows: string[] = ['| operation | conns | baseline | first | second | apart |', '|---|---:|---|---:|---:|---:|'];
let compared = 0;
let within = 0;
for (const { name: operation, title } of OPERATIONS) {
  for (const connections of first!.connectionCounts.filter((c) => second!.connectionCounts.includes(c))) {
    for (const baseline of ['raw', 'postgraphile'] as SubjectName[]) {
      const a = pairedRatio(first!, baseline, operation, connections)?.median;
      const b = pairedRatio(second!, baseline, operation, connections)?.median;
      if (a === undefined || b === undefined) continue;
      // Apart: the difference relative to the first run's ratio.
      const apart = (b - a) / a;
      compared += 1;
      if (Math.abs(apart) <= TOLERANCE) within += 1;
      const flag = Math.abs(apart) > TOLERANCE ? ' **>10 %**' : '';
      rows.push(
        `| ${title} | ${connections} | ${SUBJECT_TITLES[baseline]} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(apart * 100).toFixed(1)} %${flag} |`,
      );
    }
  }
}
console.log(rows.join('\n'));
console.log(`\n${within} of ${compared} median ratios within ±${TOLERANCE * 100} % of each other.`);
