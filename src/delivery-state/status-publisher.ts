import type { MessageSink, OutgoingMessage } from '../kafka/types';
import type { StatusChange } from './types';

/** Options of {@link createStatusPublisher}. */
export interface StatusPublisherOptions {
  producer: MessageSink;
  /** The status topic (`kafka.topics.status`). */
  topic: string;
  /** Most changes in one request. Default 500. */
  maxBatch?: number;
}

type Waiting = { message: OutgoingMessage; resolve: () => void; reject: (error: unknown) => void };

/**
 * Publishes delivery status changes to `notifications.status`, keyed by event id (so one event's
 * changes stay in order on one partition). Each `publish` resolves when the broker has its change,
 * so callers commit offsets only after their changes are on the topic (at least once).
 *
 * Batching without a linger: one request is in flight at a time; changes made meanwhile wait and
 * leave together when it returns, and a change made when nothing is in flight leaves at the next
 * turn of the event loop (with the others made in the same turn). herald's producer is idempotent
 * with one request in flight, so a request per change would queue every delivery behind the
 * previous one's round trip; a fixed linger (5 ms before) added its wait to every change of an
 * idle worker, twice per delivery on the way to the provider.
 */
export function createStatusPublisher(options: StatusPublisherOptions) {
  const maxBatch = options.maxBatch ?? 500;
  let waiting: Waiting[] = [];
  let scheduled = false;
  let inFlight: Promise<void> | null = null;

  /** Sends one request with what is waiting (up to maxBatch), then the next, until nothing waits. */
  function sendNext(): void {
    scheduled = false;
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
        sendNext();
      });
  }

  return {
    /** Publishes one change; resolves once the broker acknowledged it. */
    publish(change: StatusChange): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const message = { key: change.eventId, value: JSON.stringify(change), headers: { 'herald-status': change.status, 'herald-channel': change.channel } };
        waiting.push({ message, resolve, reject });
        if (!scheduled && !inFlight) {
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
