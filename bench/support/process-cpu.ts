// cpu time of a whole process (every thread, background work included) read from /proc, so any server can
// be measured the same way without its cooperation: the receiver, a peer written by hand, bare koa
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const printed = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isFinite(printed) && printed > 0 ? printed : 100;
  }
  return ticksPerSecond;
}

/** user + system cpu time of process `pid` and all its threads so far, in µs (from /proc/<pid>/stat) */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / clockTicks();
}

/**
 * waits until process `pid` has stopped using the cpu (work queued after the responses, such as handlers
 * and status updates, is done): two samples `intervalMs` apart that differ by less than a clock tick,
 * or `maxMs` in all. Returns the cpu time then.
 */
export async function cpuWhenQuiet(pid: number, { intervalMs = 250, maxMs = 15_000 } = {}): Promise<number> {
  const tick = 1_000_000 / clockTicks();
  const started = Date.now();
  let previous = processCpuMicros(pid);
  let quietSamples = 0;
  while (Date.now() - started < maxMs) {
    await sleep(intervalMs);
    const now = processCpuMicros(pid);
    // a busy event loop's timers alone use a little: less than a tick per sample is quiet
    quietSamples = now - previous < tick * 1.5 ? quietSamples + 1 : 0;
    previous = now;
    if (quietSamples >= 2) return now;
  }
  return previous;
}
