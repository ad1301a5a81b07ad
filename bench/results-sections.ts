import { existsSync, readFileSync, writeFileSync } from 'node:fs';

// bench/RESULTS.md is written by three scripts: `npm run bench` writes the whole file, `bench:scaling`
// and `bench:events` each own one marked section of it. Each keeps what the others wrote.

const markers = (name: string) => ({ start: `<!-- ${name}:start (written by bench/${name}.ts) -->`, end: `<!-- ${name}:end -->` });

const SECTION = /<!-- (\w+):start \(written by bench\/\w+\.ts\) -->[\s\S]*?<!-- \1:end -->/g;

/** The marked sections of `file` as they stand, in order (to carry over when the file is rewritten). */
export function markedSections(file: string): string[] {
  return existsSync(file) ? (readFileSync(file, 'utf8').match(SECTION) ?? []) : [];
}

/** Writes `body` as the section `name` of `file`: in place of the previous one, or appended. */
export function writeMarkedSection(file: string, name: string, body: string): void {
  const { start, end } = markers(name);
  const section = `${start}\n${body.trim()}\n${end}`;
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const index = previous.indexOf(start);
  const updated =
    index === -1
      ? `${previous.trimEnd()}\n\n${section}\n`
      : previous.slice(0, index) + section + previous.slice(previous.indexOf(end, index) + end.length);
  writeFileSync(file, updated);
}
