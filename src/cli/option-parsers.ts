import { InvalidArgumentError } from 'commander';
import { CHANNELS } from '../contract/vocabulary';
import { parseDuration } from '../time/duration';

/** `--since`: a duration back from now (`90m`, `1h`, `2d`) or an ISO instant; epoch ms. */
export function parseSince(now: () => number) {
  return (text: string): number => {
    const ago = parseDuration(text);
    if (ago !== null) return now() - ago;
    const at = Date.parse(text);
    if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(at)) return at;
    throw new InvalidArgumentError(`"${text}" is neither a duration ("90m", "1h", "2d") nor an ISO instant ("2026-11-21T03:00:00Z")`);
  };
}

/** A positive integer option (`--limit`). */
export function parsePositiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`"${text}" is not a positive whole number`);
  return n;
}

/** `--channel`: one of herald's channels. */
export function parseChannel(text: string): string {
  if (!(CHANNELS as readonly string[]).includes(text)) throw new InvalidArgumentError(`"${text}" is not a channel; use one of ${CHANNELS.join(', ')}`);
  return text;
}

/** A dead letter id, `<partition>:<offset>` as `herald dlq list` prints it. */
export function parseLetterId(text: string): string {
  if (!/^\d+:\d+$/.test(text))
    throw new InvalidArgumentError(`"${text}" is not a dead letter id; use <partition>:<offset> as the ID column of "herald dlq list" shows it`);
  return text;
}

/** Collects a repeatable option into an array. */
export function collect<T>(parse: (text: string) => T) {
  return (text: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(text)];
}
