import { readFileSync } from 'node:fs';
import { clockTicksPerSecond, parseProcStat, processCpuMs } from '../../../bench/proc-stat';

// 52 fields as Linux writes them; utime (14) 1234 and stime (15) 567.
const fields = (comm: string) =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194560 9127 0 0 0 1234 567 0 0 20 0 11 0 59310 1227862016 30521 18446744073709551615 1 1 0 0 0 0 0 ` +
  '4096 134234626 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('parseProcStat', () => {
  it('reads utime and stime, in clock ticks', () => {
    expect(parseProcStat(fields('node'))).toEqual({ user: 1234, system: 567 });
  });

  it('counts fields from the last parenthesis: the process name may hold spaces and parentheses', () => {
    expect(parseProcStat(fields('node (bench) 2'))).toEqual({ user: 1234, system: 567 });
    expect(parseProcStat(fields(') S 9 9 9 9 9 9 9 9 9 9 9'))).toEqual({ user: 1234, system: 567 });
    expect(parseProcStat(fields(''))).toEqual({ user: 1234, system: 567 });
  });

  it('refuses what is not a stat line, rather than report a CPU time it did not read', () => {
    expect(() => parseProcStat('')).toThrow(/not a \/proc\/<pid>\/stat line/);
    expect(() => parseProcStat('4242 (node) S 1 2 3')).toThrow(/no utime and stime/);
    expect(() => parseProcStat('Name:\tnode\nState:\tS')).toThrow(/not a \/proc\/<pid>\/stat line/);
  });

  it("reads this machine's own stat lines", () => {
    const self = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(self.user + self.system).toBeGreaterThanOrEqual(0);
  });
});

describe('processCpuMs', () => {
  it('is the CPU time so far in ms, and null for a process that is gone', () => {
    expect(clockTicksPerSecond()).toBeGreaterThan(0);
    expect(processCpuMs(process.pid)).toBeGreaterThan(0);
    expect(processCpuMs(2 ** 22 + 1)).toBeNull();
  });
});
