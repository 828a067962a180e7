/** The chaos run's report: what it prints, and what makes it fail. */
import type { Reconciliation } from './reconcile';

/** Everything the run measured, as written to chaos/results*.json. */
export interface ChaosReport extends Reconciliation {
  command: string;
  finishedAt: string;
  durationSeconds: number;
  redis: string;
  eventsProduced: number;
  duplicateEventsProduced: number;
  hostileProduced: number;
  workerKills: number;
  killsAtSeconds: number[];
  invalidByReason: Record<string, number>;
  breakerOpenings: Record<string, { opened: number; closed: number }>;
  /** Messages each provider accepted after its outage ended. */
  acceptedAfterOutage: Record<string, number>;
  faults: Record<string, unknown>;
  logLines: number;
  logLeaks: number;
  logLeakSamples: { file: string; line: number; what: string }[];
  crossSlotErrors: number;
  windowMs: number;
}

/** Why the run fails; empty when herald kept its promise. */
export function failuresOf(r: ChaosReport): string[] {
  return [
    r.lost > 0 && `${r.lost} deliveries lost`,
    r.duplicatesOutsideWindow > 0 && `${r.duplicatesOutsideWindow} duplicates outside the documented window`,
    r.unexpected > 0 && `${r.unexpected} copies no delivery expected`,
    r.sentAndDeadLettered > 0 && `${r.sentAndDeadLettered} deliveries both sent and dead-lettered`,
    r.invalidDeadLettered < r.hostileProduced && `${r.hostileProduced - r.invalidDeadLettered} hostile messages not dead-lettered`,
    r.logLeaks > 0 && `${r.logLeaks} log lines hold an address, token or body`,
    r.crossSlotErrors > 0 && `${r.crossSlotErrors} log lines report CROSSSLOT`,
    ...Object.entries(r.breakerOpenings).map(([p, b]) => b.opened === 0 && `the ${p} breakers never opened during its outage`),
    ...Object.entries(r.acceptedAfterOutage).map(([p, n]) => n === 0 && `nothing reached ${p} after its outage ended`),
  ].filter((f): f is string => typeof f === 'string');
}

export function printReport(r: ChaosReport): void {
  const rows: [string, unknown][] = [
    ['events produced', r.eventsProduced],
    ['duplicate events produced', r.duplicateEventsProduced],
    ['hostile messages produced', r.hostileProduced],
    ['worker SIGKILLs', r.workerKills],
    ['deliveries expected', `${r.deliveriesExpected} (${r.toDeliver} to send, ${r.toDeadLetter} to bad addresses)`],
    ['delivered exactly once', r.deliveredExactlyOnce],
    [
      'duplicates',
      `${r.duplicates} (${r.duplicatesInWindow} in the documented window, ${r.duplicatesOutsideWindow} outside) ${JSON.stringify(r.duplicatesByChannel)}`,
    ],
    ['  first copy to next SIGKILL, max', `${r.windowGapMaxMs} ms (window ${r.windowMs} ms)`],
    ['lost', r.lost],
    ['dead-lettered, by reason', JSON.stringify(r.deadLettered)],
    ['ended without a send (pruned)', JSON.stringify(r.endedWithoutSend)],
    ['dead-lettered instead of sent', r.deadLetteredInsteadOfSent],
    ['invalid events dead-lettered', `${r.invalidDeadLettered} ${JSON.stringify(r.invalidByReason)}`],
    ['unexpected copies', r.unexpected],
    ['delivery delay p50 / p99 / max', `${r.delayP50Ms} / ${r.delayP99Ms} / ${r.delayMaxMs} ms`],
    ['breaker openings / closings', JSON.stringify(r.breakerOpenings)],
    ['accepted after each outage', JSON.stringify(r.acceptedAfterOutage)],
    ['faults injected', JSON.stringify(r.faults)],
    ['log lines scanned / leaking', `${r.logLines} / ${r.logLeaks}`],
    ['Redis', `${r.redis}; CROSSSLOT errors logged: ${r.crossSlotErrors}`],
    ['run time', `${r.durationSeconds} s`],
  ];
  console.log('');
  for (const [name, value] of rows) console.log(`${name.padEnd(34)} ${String(value)}`);
  if (r.lostSamples.length) console.log(`lost, for example:\n  ${r.lostSamples.join('\n  ')}`);
  if (r.unexpectedSamples.length) console.log(`unexpected, for example:\n  ${r.unexpectedSamples.join('\n  ')}`);
  if (r.logLeakSamples.length) console.log(`leaking log lines, for example:\n  ${r.logLeakSamples.map((l) => `${l.file}:${l.line}: ${l.what}`).join('\n  ')}`);
}
