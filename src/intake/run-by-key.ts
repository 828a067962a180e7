/** One message of a batch to run: where it sits in the batch and the key whose order it keeps. */
export interface Keyed {
  index: number;
  key: string;
}

/** Options of {@link runByKey}. */
export interface RunByKeyOptions<T extends Keyed> {
  /** Most messages in flight at once. */
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
 * Runs a batch's messages with at most `limit` in flight, each key's messages one after the other in
 * batch order. Why: handling a partition one message at a time wastes the worker on round trips
 * (Redis, the provider, the status topic), yet producers rely on per-key order (an event with one
 * recipient is keyed by that recipient, docs/producers.md), which per-key chains keep.
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
  let stopped = false;
  let failure: { error: unknown } | null = null;

  return new Promise<void>((resolve, reject) => {
    const finish = () => (failure ? reject(failure.error) : resolve());
    const pump = () => {
      while (!stopped && inFlight < options.limit && ready.length > 0) {
        if (!options.alive()) {
          stopped = true;
          break;
        }
        const key = ready.shift()!;
        const item = queues.get(key)!.shift()!;
        inFlight++;
        options.work(item).then(
          (done) => settle(key, done),
          (error: unknown) => {
            failure ??= { error };
            settle(key, false);
          },
        );
      }
      if (inFlight === 0) finish();
    };
    const settle = (key: string, done: boolean) => {
      inFlight--;
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
