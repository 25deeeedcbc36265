import { readFileSync } from 'node:fs';

export interface ProcessStatus {
  /** the kernel's one-letter state: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  /** start time in clock ticks since boot: with the pid, names one process for good */
  start: string;
}

/** what /proc says of a pid (linux); undefined when there is no such process or no /proc */
export function processStatus(pid: number): ProcessStatus | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  return state && start ? { state, start } : undefined;
}

const hasProc = (): boolean => processStatus(process.pid) !== undefined;

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // eperm: it exists, under another user
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that recorded `start` with this pid still runs. `kill(pid, 0)` alone is not
 * enough: it succeeds on a zombie (killed, not yet reaped by its parent) and on another process that
 * reused the pid. On linux, /proc tells both apart; elsewhere the signal is all there is.
 */
export function processAlive(pid: number, start: string | null = null): boolean {
  if (!hasProc()) {
    return signalable(pid);
  }
  const status = processStatus(pid);
  if (!status || status.state === 'Z' || status.state === 'X') {
    return false;
  }
  return start === null || status.start === start;
}
