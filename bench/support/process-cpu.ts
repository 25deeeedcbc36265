// cpu time of a whole process (every thread, background work included) read from /proc, so any server can
// be measured the same way without its cooperation: the receiver, a peer written by hand, bare koa
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const printed = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isFinite(printed) && printed > 0 ? printed : 100;
  }
  return ticksPerSecond;
}

// the command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** user + system cpu time of process `pid` and all its threads so far, in µs (from /proc/<pid>/stat) */
export function processCpuMicros(pid: number): number {
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / clockTicks();
}

/**
 * waits until a server has stopped using the cpu (work queued after the responses, such as handlers and
 * status updates, is done): two readings of `read()` `intervalMs` apart that differ by less than a clock
 * tick and a half, or `maxMs` in all. Returns the last reading.
 */
export async function cpuWhenQuiet(
  read: () => number,
  { intervalMs = 250, maxMs = 15_000 } = {},
): Promise<number> {
  const tick = 1_000_000 / clockTicks();
  const started = Date.now();
  let previous = read();
  let quietSamples = 0;
  while (Date.now() - started < maxMs) {
    await sleep(intervalMs);
    const now = read();
    // a waiting event loop's timers use a little: less than a tick and a half per reading is quiet
    quietSamples = now - previous < tick * 1.5 ? quietSamples + 1 : 0;
    previous = now;
    if (quietSamples >= 2) return now;
  }
  return previous;
}

/**
 * cpu time (µs) of a server made of processes, such as PostgreSQL: the parent, each of its live children
 * (the backends), and the children it has already reaped (cutime, cstime)
 */
export function processTreeCpuMicros(parentPid: number): number {
  const parent = statFields(parentPid);
  // after the name: ppid is field 2, utime..cstime are fields 12 to 15
  let ticks = Number(parent[11]) + Number(parent[12]) + Number(parent[13]) + Number(parent[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === parentPid) continue;
    try {
      const fields = statFields(Number(entry));
      if (Number(fields[1]) === parentPid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited while listed
    }
  }
  return (ticks * 1_000_000) / clockTicks();
}

/** the postmaster of the PostgreSQL cluster listening on `port` on this machine, from /proc/<pid>/cmdline */
export function postmasterPid(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const portAt = args.indexOf('-p');
      if (args[0]?.endsWith('/postgres') && portAt > 0 && args[portAt + 1] === String(port))
        return Number(entry);
    } catch {
      // exited while listed
    }
  }
  return undefined;
}
