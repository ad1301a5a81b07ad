// CPU time spent by a subject's server process and by the PostgreSQL backends serving the bench
// database, read from /proc (Linux). Divided by the requests of a measurement it says where a
// request's cost lies — in the server or in the database — which throughput alone cannot: on
// these 2-core machines the two share the cores, so SQL that PostgreSQL works harder on slows the
// server's throughput as surely as its own JavaScript does.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User + system CPU time of a process in ms, 0 once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces), counted from `state` (field 3): utime is 14, stime 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU time in ms of each PostgreSQL backend now connected to `databaseName` on this machine, by
 * pid (their process titles read `postgres: … <user> <database> <client> …`).
 */
export function databaseBackendsCpuMs(databaseName: string): Map<number, number> {
  const backends = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let title: string;
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (title.startsWith('postgres:') && title.split(/\s+/).includes(databaseName))
      backends.set(Number(entry), processCpuMs(Number(entry)));
  }
  return backends;
}

/**
 * The CPU the backends spent between two readings: each backend's own difference, a backend that
 * started in between counted from zero. One that exited in between (a pool closing an idle
 * connection, usually another subject's) is left out rather than subtracted.
 */
export function backendsCpuSpentMs(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
