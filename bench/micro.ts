/**
 * `npm run bench:micro`: the per-call cost of the pure functions on the hot path that the
 * optimizations of BENCHMARKS.md changed, in one process, no broker or Redis. Run it in two checkouts
 * (before and after a change) to compare; each figure is the median of 5 rounds.
 */
import winston from 'winston';
import { isIanaTimeZone } from '../src/contract/tags';
import { parseEvent } from '../src/contract/parse-event';
import { redact, redactText } from '../src/shared/logger';
import { benchEvent } from './events';

/** Median µs per call of `fn` over 5 rounds of `calls` calls. */
function measure(calls: number, fn: (i: number) => void): number {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const started = performance.now();
    for (let i = 0; i < calls; i++) fn(i);
    rounds.push(((performance.now() - started) * 1000) / calls);
  }
  return rounds.sort((a, b) => a - b)[2]!;
}

// Strings as the service logs them on every event: ids, enums, messages, topics.
const LOGGED_STRINGS = [
  'a41ee1c4-e718-4f21-8aea-859492645d74',
  'delivery sent',
  'bench-u123',
  'sent',
  'herald',
  'info',
  'email',
  'smtp',
  '<a41ee1c4e7184f218aea859492645d74@herald>',
  'bench.incoming/2/12345',
];
// The 'delivery sent' line, the most frequent one, through the service's format chain (no transport).
const format = winston.format.combine(redact(), winston.format.timestamp(), winston.format.json());
const line = (i: number) => ({
  level: 'info',
  message: 'delivery sent',
  decision: 'sent',
  eventId: 'a41ee1c4-e718-4f21-8aea-859492645d74',
  recipientId: `bench-u${i % 1000}`,
  channel: 'email',
  provider: 'smtp',
  attempts: 1,
  providerMessageId: '<a41ee1c4e7184f218aea859492645d74@herald>',
  service: 'herald',
});
const events = Array.from({ length: 1000 }, (_, i) =>
  Buffer.from(JSON.stringify(benchEvent({ priority: 'normal', recipients: [`bench-u${i}`], channels: ['in_app', 'email'], seq: i }))),
);

const rows: [string, number][] = [
  ['redactText, one logged string', measure(20_000, (i) => redactText(LOGGED_STRINGS[i % LOGGED_STRINGS.length]!))],
  ["log line format (redact + timestamp + json), 'delivery sent'", measure(20_000, (i) => format.transform(line(i) as never, {}))],
  ['isIanaTimeZone, a valid zone (every profile read)', measure(20_000, () => isIanaTimeZone('Europe/Paris'))],
  ['parseEvent, a 1.2 KB event', measure(5_000, (i) => parseEvent(events[i % events.length]!))],
];
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, us] of rows) console.log(`${name.padEnd(width)}  ${us.toFixed(2).padStart(7)} µs`);
