/** One message of a batch to run: where it sits in the batch, the key whose order it keeps, and its weight. */
export interface Keyed {
  index: number;
  key: string;
  /** What it costs while in flight: the deliveries it may make (see {@link weightOf}). */
  weight: number;
}

/** Options of {@link runByKey}. */
export interface RunByKeyOptions<T extends Keyed> {
  /** Most weight in flight at once; a message heavier than that runs alone. */
  limit: number;
  /**
   * Runs one message; resolves true once it is done, false when it was given up without finishing
   * (the worker stops or the partition is taken away). A rejection stops the run as well.
   */
  work: (item: T) => Promise<boolean>;
  /** False once no message should start any more. */
  alive: () => boolean;
}

/**
 * Runs a batch's messages side by side, each key's messages one after the other in batch order, with
 * at most `limit` weight in flight (a heavier message waits until nothing else runs, then runs
 * alone). Why: handling a partition one message at a time wastes the worker on round trips (Redis,
 * the provider, the status topic), yet producers rely on per-key order (an event with one recipient
 * is keyed by that recipient, docs/producers.md), which per-key chains keep. Weighing by deliveries,
 * not messages, bounds memory: 64 events to 1,000 recipients each would hold 64,000 deliveries.
 *
 * A message that is not done (`false` or a rejection) holds back the rest of its key, and nothing
 * new starts after it; the messages in flight finish first. The caller resolves offsets in order
 * (./in-order-offsets.ts), so what did not finish is redelivered, and the dedup marker finishes it.
 * Rejects with the first rejection once nothing is in flight.
 */
export async function runByKey<T extends Keyed>(items: readonly T[], options: RunByKeyOptions<T>): Promise<void> {
  const queues = new Map<string, T[]>();
  for (const item of items) {
    const queue = queues.get(item.key);
    if (queue) queue.push(item);
    else queues.set(item.key, [item]);
  }
  // Keys whose next message may start, in order of their first message.
  const ready = [...queues.keys()];
  let inFlight = 0;
  let weight = 0;
  let stopped = false;
  let failure: { error: unknown } | null = null;

  return new Promise<void>((resolve, reject) => {
    const finish = () => (failure ? reject(failure.error) : resolve());
    const pump = () => {
      while (!stopped && ready.length > 0) {
        const item = queues.get(ready[0]!)![0]!;
        if (inFlight > 0 && weight + item.weight > options.limit) break;
        if (!options.alive()) {
          stopped = true;
          break;
        }
        const key = ready.shift()!;
        queues.get(key)!.shift();
        inFlight++;
        weight += item.weight;
        options.work(item).then(
          (done) => settle(key, item, done),
          (error: unknown) => {
            failure ??= { error };
            settle(key, item, false);
          },
        );
      }
      if (inFlight === 0) finish();
    };
    const settle = (key: string, item: T, done: boolean) => {
      inFlight--;
      weight -= item.weight;
      if (!done) stopped = true;
      else if (queues.get(key)!.length > 0) ready.push(key);
      pump();
    };
    pump();
  });
}

/**
 * The order key of a Kafka message: its key's bytes (latin1 keeps every byte distinct), or, for a
 * message without a key, its own offset, since such a message promises no order.
 */
export function keyOf(message: { key: Buffer | null; offset: string }): string {
  return message.key ? `k:${message.key.toString('latin1')}` : `o:${message.offset}`;
}

/** The weight of an event in {@link runByKey}: the deliveries it may make, its distinct recipients times its channels. */
export function weightOf(event: { recipients: readonly string[]; channels: readonly string[] }): number {
  return Math.max(1, new Set(event.recipients).size * event.channels.length);
}
