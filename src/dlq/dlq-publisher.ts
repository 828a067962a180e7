import type { IHeaders, Producer } from 'kafkajs';
import type { Channel } from '../contract/event-v1';
import type { EventV2 } from '../contract/event-v2';
import type { ContractIssue } from '../contract/parse-event';

/** Where a rejected message came from, so on-call can find it on the source topic. */
export interface SourceCoordinates {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  timestamp: string;
}

/** A dead letter: either a message that never became an event, or a delivery that finally failed. */
export type DeadLetter =
  | { kind: 'invalid_event'; reason: string; message: string; issues: ContractIssue[]; source: SourceCoordinates; rawBase64: string; failedAt: string }
  | {
      kind: 'delivery_failed';
      reason: string;
      message: string;
      event: EventV2;
      delivery: { recipientId: string; channel: Channel; provider: string; attempts: number; retriable: boolean };
      failedAt: string;
    }
  | {
      kind: 'digest_failed';
      reason: string;
      message: string;
      digest: { digestId: string; eventIds: string[]; recipientId: string; channel: Channel; provider: string; attempts: number; retriable: boolean };
      failedAt: string;
    };

/**
 * Writes dead letters to the DLQ topic. Headers carry the reason and kind so tooling can filter
 * without parsing the value; the value is JSON with everything needed to inspect and replay.
 */
export function createDlqPublisher(options: { producer: Producer; topic: string }) {
  async function publish(letter: DeadLetter, key: string | null): Promise<void> {
    const headers: IHeaders = { 'herald-dlq-kind': letter.kind, 'herald-dlq-reason': letter.reason };
    if (letter.kind === 'invalid_event') {
      headers['herald-source-topic'] = letter.source.topic;
      headers['herald-source-partition'] = String(letter.source.partition);
      headers['herald-source-offset'] = letter.source.offset;
    }
    await options.producer.send({ topic: options.topic, acks: -1, messages: [{ key, value: JSON.stringify(letter), headers }] });
  }

  return {
    /** A message that is not a valid event: kept with its raw bytes and source coordinates. */
    rejectMessage(input: { source: SourceCoordinates; raw: Buffer | null; reason: string; message: string; issues: ContractIssue[]; failedAt: string }) {
      const { raw, ...rest } = input;
      return publish({ kind: 'invalid_event', ...rest, rawBase64: (raw ?? Buffer.alloc(0)).toString('base64') }, input.source.key);
    },
    /** A delivery that failed for good: the event and the delivery context (no addresses). */
    deadLetterDelivery(letter: Extract<DeadLetter, { kind: 'delivery_failed' }>) {
      return publish(letter, letter.event.id);
    },
    /** A digest that failed for good: which events it carried and why it failed. */
    deadLetterDigest(letter: Extract<DeadLetter, { kind: 'digest_failed' }>) {
      return publish(letter, letter.digest.digestId);
    },
  };
}

/** The DLQ publisher, as returned by {@link createDlqPublisher}. */
export type DlqPublisher = ReturnType<typeof createDlqPublisher>;
