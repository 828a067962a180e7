import type { Kafka, Message, Producer } from 'kafkajs';

/** A plain kafkajs producer for the bench's load (every send acks from all in-sync replicas, like HeraldProducer). */
export async function connectProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

/**
 * Sends `messages` to `topic` in requests of `perRequest` messages, `inFlight` requests at a time,
 * without holding more than that in memory (`messages` may be a generator of millions).
 */
export async function produceAll(
  producer: Producer,
  topic: string,
  messages: Iterable<Message>,
  options: { perRequest?: number; inFlight?: number } = {},
): Promise<number> {
  const perRequest = options.perRequest ?? 500;
  const inFlight = options.inFlight ?? 4;
  const pending = new Set<Promise<void>>();
  let failure: unknown = null;
  let chunk: Message[] = [];
  let sent = 0;
  const flush = async () => {
    const request = producer.send({ topic, acks: -1, messages: chunk });
    sent += chunk.length;
    chunk = [];
    const tracked: Promise<void> = request.then(
      () => void pending.delete(tracked),
      (error: unknown) => {
        failure ??= error;
        pending.delete(tracked);
      },
    );
    pending.add(tracked);
    if (pending.size >= inFlight) await Promise.race(pending);
  };
  for (const message of messages) {
    if (failure) break;
    chunk.push(message);
    if (chunk.length >= perRequest) await flush();
  }
  if (chunk.length > 0 && !failure) await flush();
  await Promise.all(pending);
  if (failure) throw failure;
  return sent;
}

/** A load at a steady rate, started by {@link startSteadyLoad}. */
export interface SteadyLoad {
  /** Events sent so far. */
  sent(): number;
  /** Stops the load; resolves with the number sent once every send has finished. @throws the first send error. */
  stop(): Promise<number>;
}

/**
 * Calls `send(count)` every `tickMs` with as many events as keep the total at `ratePerSecond`
 * since the start (so a slow tick is caught up, not lost), until stopped.
 */
export function startSteadyLoad(ratePerSecond: number, send: (count: number, firstIndex: number) => Promise<unknown>, tickMs = 100): SteadyLoad {
  const startedAt = Date.now();
  const sends: Promise<unknown>[] = [];
  let sent = 0;
  let failure: unknown = null;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - startedAt) / 1000) * ratePerSecond) - sent;
    if (due <= 0) return;
    const first = sent;
    sent += due;
    sends.push(send(due, first).catch((error: unknown) => (failure ??= error)));
  }, tickMs);
  return {
    sent: () => sent,
    async stop() {
      clearInterval(timer);
      await Promise.all(sends);
      if (failure) throw failure;
      return sent;
    },
  };
}
