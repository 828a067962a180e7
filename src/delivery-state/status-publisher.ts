import type { MessageSink, OutgoingMessage } from '../kafka/types';
import type { StatusChange } from './types';

/** Options of {@link createStatusPublisher}. */
export interface StatusPublisherOptions {
  producer: MessageSink;
  /** The status topic (`kafka.topics.status`). */
  topic: string;
  /** Most changes in one request. Default 500. */
  maxBatch?: number;
  /**
   * After a request returns with fewer than `maxBatch` changes waiting, how long to wait for more
   * before the next request, in ms. Default 5 (Kafka's own producer lingers 5 ms since 4.0). A change
   * made while the publisher is idle never waits for it.
   */
  lingerMs?: number;
}

type Waiting = { message: OutgoingMessage; resolve: () => void; reject: (error: unknown) => void };

/**
 * Publishes delivery status changes to `notifications.status`, keyed by event id (so one event's
 * changes stay in order on one partition). Each `publish` resolves when the broker has its change,
 * so callers commit offsets only after their changes are on the topic (at least once).
 *
 * Batching: one request is in flight at a time; changes made meanwhile wait and leave together
 * after it returns, and a change made when the publisher is idle leaves at the next turn of the event
 * loop (with the others made in the same turn). herald's producer is idempotent with one request in
 * flight, so a request per change would queue every delivery behind the previous one's round trip.
 * A linger applies only under load, after a request returns with a partial batch waiting: on a local
 * broker a round trip is a few ms, so without it a busy worker sent about four changes per request
 * and paid kafkajs's per-request encoding and socket write for each (BENCHMARKS.md, "Optimizations").
 * An idle worker's changes never wait for it; nothing waits on it but the status topic and the
 * offset commit (a send does not wait for its `pending`).
 */
export function createStatusPublisher(options: StatusPublisherOptions) {
  const maxBatch = options.maxBatch ?? 500;
  const lingerMs = options.lingerMs ?? 5;
  let waiting: Waiting[] = [];
  let scheduled = false;
  let linger: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;

  /** Sends one request with what is waiting (up to maxBatch), then the next, until nothing waits. */
  function sendNext(): void {
    scheduled = false;
    if (linger) clearTimeout(linger);
    linger = null;
    if (inFlight || waiting.length === 0) return;
    const batch = waiting.slice(0, maxBatch);
    waiting = waiting.slice(batch.length);
    inFlight = options.producer
      .send({ topic: options.topic, acks: -1, messages: batch.map((w) => w.message) })
      .then(
        () => batch.forEach((w) => w.resolve()),
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      )
      .finally(() => {
        inFlight = null;
        if (waiting.length >= maxBatch || lingerMs === 0) sendNext();
        else if (waiting.length > 0) {
          scheduled = true;
          linger = setTimeout(sendNext, lingerMs);
        }
      });
  }

  return {
    /** Publishes one change; resolves once the broker acknowledged it. */
    publish(change: StatusChange): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const message = { key: change.eventId, value: JSON.stringify(change), headers: { 'herald-status': change.status, 'herald-channel': change.channel } };
        waiting.push({ message, resolve, reject });
        if (linger && waiting.length >= maxBatch) sendNext();
        else if (!scheduled && !inFlight) {
          scheduled = true;
          setImmediate(sendNext);
        }
      });
    },
    /** Resolves once every change published so far is acknowledged or failed (at shutdown). */
    async flush(): Promise<void> {
      while (inFlight || waiting.length > 0) {
        if (!inFlight) sendNext();
        await inFlight?.catch(() => undefined);
      }
    },
  };
}

/** The status publisher, as returned by {@link createStatusPublisher}. */
export type StatusPublisher = ReturnType<typeof createStatusPublisher>;
