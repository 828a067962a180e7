import type { Message, Producer } from 'kafkajs';
import type { StatusChange } from './types';

/** Options of {@link createStatusPublisher}. */
export interface StatusPublisherOptions {
  producer: Producer;
  /** The status topic (`kafka.topics.status`). */
  topic: string;
  /** How long a change waits for others to share its request, in ms. Default 5. */
  lingerMs?: number;
  /** Most changes in one request. Default 500. */
  maxBatch?: number;
}

type Waiting = { message: Message; resolve: () => void; reject: (error: unknown) => void };

/**
 * Publishes delivery status changes to `notifications.status`, keyed by event id (so one event's
 * changes stay in order on one partition). Changes made within `lingerMs` share one produce request:
 * herald's producer is idempotent with one request in flight, so one request per change would queue
 * every delivery behind the previous one's round trip. Each `publish` resolves when the broker has
 * its change, so callers commit offsets only after their changes are on the topic (at least once).
 */
export function createStatusPublisher(options: StatusPublisherOptions) {
  const lingerMs = options.lingerMs ?? 5;
  const maxBatch = options.maxBatch ?? 500;
  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | null = null;

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return Promise.resolve();
    return options.producer.send({ topic: options.topic, acks: -1, messages: batch.map((w) => w.message) }).then(
      () => batch.forEach((w) => w.resolve()),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  }

  return {
    /** Publishes one change; resolves once the broker acknowledged it. */
    publish(change: StatusChange): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const message = { key: change.eventId, value: JSON.stringify(change), headers: { 'herald-status': change.status, 'herald-channel': change.channel } };
        waiting.push({ message, resolve, reject });
        if (waiting.length >= maxBatch) void flush();
        else timer ??= setTimeout(() => void flush(), lingerMs);
      });
    },
    /** Sends whatever is waiting now (at shutdown). */
    flush,
  };
}

/** The status publisher, as returned by {@link createStatusPublisher}. */
export type StatusPublisher = ReturnType<typeof createStatusPublisher>;
