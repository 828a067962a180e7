/**
 * The log check of the chaos run: no worker log line may hold an address, a token or a message
 * body. Every address, token and body of the run contains the run's secret, and every phone
 * number is one of the run's; the Twilio auth token is looked for as well.
 */
import { readFileSync } from 'node:fs';

export interface LogScan {
  lines: number;
  /** Lines that hold something private, with what. */
  leaks: { file: string; line: number; what: string }[];
  /** Lines reporting a Redis CROSSSLOT error: a key outside its command's hash slot on a cluster. */
  crossSlot: number;
}

export function scanLogs(files: readonly string[], needles: { secret: string; authToken: string }): LogScan {
  const phone = /\+1(?:555|666)\d{7}/;
  const leaks: LogScan['leaks'] = [];
  let lines = 0;
  let crossSlot = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    text.split('\n').forEach((line, i) => {
      if (!line) return;
      lines += 1;
      if (line.includes('CROSSSLOT')) crossSlot += 1;
      const what = line.includes(needles.secret)
        ? 'an address, token or body of the run'
        : phone.test(line)
          ? 'a phone number'
          : line.includes(needles.authToken)
            ? 'the Twilio auth token'
            : null;
      if (what) leaks.push({ file, line: i + 1, what });
    });
  }
  return { lines, leaks, crossSlot };
}

/** Breaker openings and closings per provider, from the workers' `circuit breaker open|closed` lines. */
export function scanBreakers(files: readonly string[], providers: readonly string[]): Record<string, { opened: number; closed: number }> {
  const out: Record<string, { opened: number; closed: number }> = Object.fromEntries(providers.map((p) => [p, { opened: 0, closed: 0 }]));
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes('"circuit breaker ')) continue;
      const state = /"message":"circuit breaker (open|closed)"/.exec(line)?.[1];
      const provider = /"provider":"([^"]+)"/.exec(line)?.[1];
      if (!state || !provider) continue;
      out[provider] ??= { opened: 0, closed: 0 };
      if (state === 'open') out[provider].opened += 1;
      else out[provider].closed += 1;
    }
  }
  return out;
}
