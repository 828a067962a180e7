import type { Clock } from '../shared/clock';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { within } from '../shared/within';

/** Options of {@link createScrapeReading}. */
export interface ScrapeReadingOptions<T> {
  /** What is read, for logs, e.g. "consumer lag". */
  what: string;
  read: () => Promise<T>;
  /** How long a reading (or a failed attempt) is reused before the source is asked again, in ms. Default 0 (every scrape). */
  ttlMs?: number;
  /** Longest a scrape waits for the source, in ms; the read goes on and serves later scrapes. Default 2000. */
  timeoutMs?: number;
  clock: Clock;
  logger: Logger;
  /** Called once per failed read (not per scrape), e.g. to count it. */
  onError?: (error: unknown) => void;
}

/**
 * A source read at scrape time that never fails the scrape: it resolves to a fresh (or cached)
 * reading, or to null when the source failed or is slow, so the caller keeps the values it last
 * exposed. Concurrent scrapes share one read; a failure is logged once per outage, not per scrape.
 */
export function createScrapeReading<T>(options: ScrapeReadingOptions<T>): () => Promise<T | null> {
  const { clock, logger, what } = options;
  const ttlMs = options.ttlMs ?? 0;
  let last: { at: number; value: T | null } | null = null;
  let inFlight: Promise<T | null> | null = null;
  let failing = false;

  function start(): Promise<T | null> {
    const reading = options.read().then(
      (value) => {
        if (failing) logger.info(`${what} can be read again`, { source: what });
        failing = false;
        last = { at: clock.now(), value };
        return value;
      },
      (error: unknown) => {
        options.onError?.(error);
        if (!failing) logger.warn(`${what} cannot be read; /metrics keeps its last values until it can`, { source: what, error: describeError(error) });
        failing = true;
        last = { at: clock.now(), value: null };
        return null;
      },
    );
    inFlight = reading.finally(() => (inFlight = null));
    return inFlight;
  }

  return async () => {
    if (last && clock.now() - last.at < ttlMs) return last.value;
    const reading = inFlight ?? start();
    return within(options.timeoutMs ?? 2_000, reading, `reading ${what}`).catch(() => null);
  };
}
