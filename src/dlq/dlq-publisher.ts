import type { MessageHeaders, MessageSink } from '../kafka/types';
import type { DeadLetter, SourceCoordinates } from '../contract/dead-letter';
import { LIMITS } from '../contract/limits';
import type { ContractIssue } from '../contract/parse-event';

/**
 * Bytes of an oversize message kept in its dead letter. The whole of a 1 MB message, base64 in
 * JSON, is larger than the broker's default 1 MB limit: the DLQ write failed for good, the message
 * was retried in place forever, and its partition stalled (found by the chaos run). Its first 64 KiB
 * show on-call what it was; a message over the limit cannot be replayed as it is anyway.
 */
export const OVERSIZE_RAW_KEPT_BYTES = 64 * 1024;

export type { DeadLetter, SourceCoordinates };

/**
 * Writes dead letters to the DLQ topic. Headers carry the reason and kind so tooling can filter
 * without parsing the value; the value is JSON with what on-call needs to inspect and replay a
 * failure. A delivery or digest letter holds ids, reasons and an event summary, no payload and no
 * address; an invalid message's letter holds its raw bytes (all that is left of it, and what a
 * re-publish needs), so the DLQ topic is as sensitive as the intake topic.
 */
export function createDlqPublisher(options: { producer: MessageSink; topic: string }) {
  async function publish(letter: DeadLetter, key: string | null): Promise<void> {
    const headers: MessageHeaders = { 'herald-dlq-kind': letter.kind, 'herald-dlq-reason': letter.reason };
    if (letter.kind === 'invalid_event') {
      headers['herald-source-topic'] = letter.source.topic;
      headers['herald-source-partition'] = String(letter.source.partition);
      headers['herald-source-offset'] = letter.source.offset;
    }
    await options.producer.send({ topic: options.topic, acks: -1, messages: [{ key, value: JSON.stringify(letter), headers }] });
  }

  return {
    /** A message that is not a valid event: kept with its raw bytes (the first ones of an oversize message) and source coordinates. */
    rejectMessage(input: { source: SourceCoordinates; raw: Buffer | null; reason: string; message: string; issues: ContractIssue[]; failedAt: string }) {
      const { raw, ...rest } = input;
      const bytes = raw ?? Buffer.alloc(0);
      if (bytes.length <= LIMITS.maxEventBytes) return publish({ kind: 'invalid_event', ...rest, rawBase64: bytes.toString('base64') }, input.source.key);
      const head = bytes.subarray(0, OVERSIZE_RAW_KEPT_BYTES).toString('base64');
      return publish({ kind: 'invalid_event', ...rest, rawBase64: head, rawTruncated: true, rawBytes: bytes.length }, input.source.key);
    },
    /** A delivery that failed for good: its event's summary and the delivery context (no payload, no addresses). */
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
