/**
 * Reads the DLQ topic for the whole run, as on-call would: every `delivery_failed` letter, and the
 * `invalid_event` letters counted by reason, each source message once (a message redelivered after
 * a crash may be dead-lettered twice).
 */
import type { Kafka } from 'kafkajs';
import type { DeliveryLetter } from './reconcile';

export interface DlqReader {
  deliveryLetters: DeliveryLetter[];
  /** `invalid_event` letters by reason, one per source message. */
  invalidLetters: Record<string, number>;
  stop(): Promise<void>;
}

interface LetterFields {
  kind?: string;
  reason?: string;
  event?: { id: string };
  delivery?: { recipientId: string; channel: string };
  source?: { topic?: string; partition: number; offset: string };
}

export async function startDlqReader(kafka: Kafka, topic: string, groupId: string): Promise<DlqReader> {
  const deliveryLetters: DeliveryLetter[] = [];
  const invalidLetters: Record<string, number> = {};
  const seenInvalid = new Set<string>();
  // The reader rides out the broker's restart like any kafkajs client.
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const letter = JSON.parse(message.value?.toString('utf8') ?? '{}') as LetterFields;
      const reason = letter.reason ?? '?';
      if (letter.kind === 'delivery_failed' && letter.event && letter.delivery) {
        deliveryLetters.push({ eventId: letter.event.id, recipientId: letter.delivery.recipientId, channel: letter.delivery.channel, reason });
      } else if (letter.kind === 'invalid_event') {
        // Where the message sat: hostile messages go to both the incoming and the bulk topic, whose offsets overlap.
        const at = `${letter.source?.topic}/${letter.source?.partition}:${letter.source?.offset}`;
        if (seenInvalid.has(at)) return;
        seenInvalid.add(at);
        invalidLetters[reason] = (invalidLetters[reason] ?? 0) + 1;
      }
    },
  });
  return { deliveryLetters, invalidLetters, stop: () => consumer.disconnect() };
}
