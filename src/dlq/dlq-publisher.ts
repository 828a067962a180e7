import type { IHeaders, Producer } from 'kafkajs';
import type { DeadLetter, SourceCoordinates } from '../contract/dead-letter';
import type { ContractIssue } from '../contract/parse-event';

export type { DeadLetter, SourceCoordinates };

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
