import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time a process has used, in clock ticks, as /proc/<pid>/stat counts it (all its threads). */
export interface ProcCpuTicks {
  /** utime: in user mode. */
  user: number;
  /** stime: in the kernel on its behalf (socket writes, epoll). */
  system: number;
}

/**
 * utime and stime (fields 14 and 15, see proc(5)) of a `/proc/<pid>/stat` line. Field 2, comm, is
 * the process name in parentheses and may itself hold spaces and parentheses (`(node (bench) 2)`),
 * so fields are counted from the last `)`, after which none can.
 * @throws Error when `line` is not a stat line: the bench would report a CPU figure it did not read.
 */
export function parseProcStat(line: string): ProcCpuTicks {
  const close = line.lastIndexOf(')');
  // After the comm: state (field 3), then fields 4 … 13, then utime (14) and stime (15).
  const rest =
    close < 0
      ? []
      : line
          .slice(close + 1)
          .trim()
          .split(/\s+/);
  const user = Number(rest[11]);
  const system = Number(rest[12]);
  if (!Number.isInteger(user) || !Number.isInteger(system) || user < 0 || system < 0)
    throw new Error(`not a /proc/<pid>/stat line (no utime and stime after the process name): ${JSON.stringify(line.slice(0, 120))}`);
  return { user, system };
}

let ticksPerSecond: number | null = null;

/** Clock ticks per second (`getconf CLK_TCK`: 100 on nearly every Linux), read once; 100 when getconf cannot say. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === null) {
    let answer = NaN;
    try {
      answer = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      // No getconf: Linux has counted /proc times in USER_HZ = 100 on every common architecture.
    }
    ticksPerSecond = Number.isInteger(answer) && answer > 0 ? answer : 100;
  }
  return ticksPerSecond;
}

/** CPU time (user + system) the process `pid` has used so far, ms; null when /proc cannot say (the process is gone, not Linux). */
export function processCpuMs(pid: number): number | null {
  let line: string;
  try {
    line = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const { user, system } = parseProcStat(line);
  return ((user + system) * 1000) / clockTicksPerSecond();
}
