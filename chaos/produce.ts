/**
 * The run's producer: events at a steady rate, 8 % of them sent twice (at once, or 20–40 s later as
 * a producer retrying after a lost acknowledgement would), and the hostile messages spread through.
 * Both ways in at once: each event goes where herald's publishers write it (normal and low to the
 * bulk lane's topic, src/client/lane-topic.ts), each second copy to the incoming topic, as a raw
 * producer retrying writes it (so a normal event's copy crosses intake's forward before the dedup
 * store meets it), and the hostile messages alternate between the two topics.
 */
import type { Message, Producer } from 'kafkajs';
import { laneTopic } from '../src/client/lane-topic';
import { duplicateMessage, eventMessage, type PlannedEvent } from './workload';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `messages`, retrying a failed request (a restarting broker) until it lands. */
async function sendUntilAcked(producer: Producer, topic: string, messages: Message[], log: (text: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await producer.send({ topic, acks: -1, messages });
      return;
    } catch (error) {
      if (attempt === 1 || attempt % 10 === 0) log(`produce failed (${(error as Error).message}); retrying`);
      await sleep(500);
    }
  }
}

export interface ProduceOptions {
  producer: Producer;
  topics: { incoming: string; bulk: string };
  planned: readonly PlannedEvent[];
  hostile: readonly Message[];
  /** Events per second. */
  rate: number;
  random: () => number;
  log: (text: string) => void;
}

/** Produces everything; resolves with the numbers of duplicates and hostile messages sent. */
export async function produceWorkload(options: ProduceOptions): Promise<{ duplicates: number; hostile: number }> {
  const { producer, topics, planned, hostile, rate, random, log } = options;
  const started = Date.now();
  const later: { dueAt: number; message: Message }[] = [];
  const hostileEvery = Math.max(1, Math.floor(planned.length / Math.max(1, hostile.length)));
  let duplicates = 0;
  let sent = 0;
  let hostileSent = 0;
  let hostileOnBulk = false;
  while (sent < planned.length || later.length > 0 || hostileSent < hostile.length) {
    const due = Math.min(planned.length, Math.floor(((Date.now() - started) / 1000) * rate));
    const batch: Message[] = [];
    const toBulk: Message[] = [];
    const hostileBatch: Message[] = [];
    for (; sent < due; sent++) {
      const { event } = planned[sent]!;
      (laneTopic(event.priority, topics) === topics.bulk ? toBulk : batch).push(eventMessage(event));
      const r = random();
      if (r < 0.04) {
        batch.push(duplicateMessage(event));
        duplicates += 1;
      } else if (r < 0.08) {
        later.push({ dueAt: Date.now() + 20_000 + random() * 20_000, message: duplicateMessage(event) });
        duplicates += 1;
      }
      if (hostileSent < hostile.length && sent % hostileEvery === 0) hostileBatch.push(hostile[hostileSent++]!);
    }
    if (sent >= planned.length) while (hostileSent < hostile.length) hostileBatch.push(hostile[hostileSent++]!);
    const now = Date.now();
    for (let i = later.length - 1; i >= 0; i--) {
      if (later[i]!.dueAt <= now) batch.push(later.splice(i, 1)[0]!.message);
    }
    // One request each: a huge one would take a whole batch over the broker's 1 MB request limit.
    for (const message of hostileBatch) {
      hostileOnBulk = !hostileOnBulk;
      await sendUntilAcked(producer, hostileOnBulk ? topics.bulk : topics.incoming, [message], log);
    }
    if (toBulk.length > 0) await sendUntilAcked(producer, topics.bulk, toBulk, log);
    if (batch.length > 0) await sendUntilAcked(producer, topics.incoming, batch, log);
    if (batch.length === 0 && toBulk.length === 0) await sleep(sent >= planned.length ? 200 : 50);
  }
  return { duplicates, hostile: hostileSent };
}
