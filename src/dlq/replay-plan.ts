import { LIMITS } from '../contract/limits';
import type { OutgoingMessage } from '../kafka/types';
import type { HeraldConfig } from '../config/schema';
import { MESSAGE_HEADERS } from '../contract/vocabulary';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import { parseEvent } from '../contract/parse-event';
import { deliveryIdOf, type DeliveryRef } from '../delivery-state/delivery-store';
import type { DeliveryRecord } from '../delivery-state/types';
import { countOf } from '../shared/count-of';
import { recipientIdOf } from '../recipients/resolve-recipient';
import type { StoredLetter } from './dlq-reader';
import type { ReplayTarget } from './replay-delivery';

/** Header on a re-published invalid message: the dead letter it came from. */
export const REPLAYED_FROM_HEADER = 'herald-replayed-from';

/** One line of a replay plan: what will be replayed or re-published for a letter, or why not. */
export interface ReplayStep {
  letterId: string;
  eventId: string | null;
  recipientId: string | null;
  channel: string | null;
  action: 'replay' | 'republish' | 'skip';
  why: string;
  /** The delivery a `replay` reopens, and its replay count before (to see the try land with `--wait`). */
  delivery?: { ref: DeliveryRef; replaysBefore: number };
  /** What a `replay` hands to the replayer (src/dlq/replay-delivery.ts): the event as herald recorded it. */
  replay?: { event: EventV2; target: ReplayTarget };
  /** What a `republish` publishes, and where (always the configured intake topic). */
  publish?: { topic: string; message: OutgoingMessage };
}

/** What the plan reads from Redis: the recorded state a letter is checked against. */
export interface ReplayLookups {
  record(ref: DeliveryRef): Promise<DeliveryRecord | null>;
  /** The event as intake stored it (the letters keep no payload or recipients). */
  event(eventId: string): Promise<EventV2 | null>;
}

const IN_PROGRESS = new Set(['pending', 'sending', 'deferred', 'batched']);
const REPLAYABLE = new Set(['dead-lettered', 'bounced']);

/** Why a delivery is not replayed, from its recorded state; null when it may be. */
function refusal(record: DeliveryRecord | null): string | null {
  if (!record)
    return (
      'herald holds no record of this delivery (never recorded, or past deliveryState.retentionSeconds); a letter is replayed only ' +
      'against what herald recorded'
    );
  if (record.sentAt || record.status === 'sent' || record.status === 'delivered') return `already sent (${record.status}); never sent twice`;
  if (record.status === 'skipped') return `skipped on purpose (${record.reason ?? 'no reason'}); not a failure`;
  if (IN_PROGRESS.has(record.status)) return `a try is already coming (${record.status})`;
  if (!REPLAYABLE.has(record.status)) return `recorded ${record.status} (${record.reason ?? 'no reason'}), not dead-lettered; nothing to replay`;
  return null;
}

/**
 * The step of one delivery a letter names, checked against herald's own records: the event must be
 * the one intake recorded, the delivery one of its own, and its record dead-lettered or bounced. A
 * letter forged on the DLQ topic names a delivery herald never recorded (or one that was sent) and
 * replays nothing.
 */
async function deliveryStep(letterId: string, eventId: string, recipientId: string, channel: Channel, lookups: ReplayLookups): Promise<ReplayStep> {
  const base = { letterId, eventId, recipientId, channel };
  const event = await lookups.event(eventId);
  if (!event)
    return {
      ...base,
      action: 'skip',
      why: 'herald holds no recorded event with this id (past deliveryState.retentionSeconds, or never consumed); cannot rebuild it',
    };
  if (!event.channels.includes(channel) || !event.recipients.some((r) => recipientIdOf(r) === recipientId)) {
    return { ...base, action: 'skip', why: 'the recorded event has no such recipient and channel; the letter does not match what herald recorded' };
  }
  const ref = { eventId, recipientId, channel };
  const record = await lookups.record(ref);
  const refused = refusal(record);
  if (refused || !record) return { ...base, action: 'skip', why: refused ?? '' };
  return {
    ...base,
    action: 'replay',
    why: `${record.status} after ${countOf(record.attempts, 'attempt')}; one more try`,
    delivery: { ref, replaysBefore: record.replays ?? 0 },
    replay: { event, target: { recipientId, channel, letter: letterId } },
  };
}

/** The step of an invalid message: re-published as it was, only if it is a valid event now, and only to the configured intake topic. */
function republishStep(stored: StoredLetter & { letter: Extract<StoredLetter['letter'], { kind: 'invalid_event' }> }, config: HeraldConfig): ReplayStep {
  const { letter } = stored;
  const base = { letterId: stored.id, recipientId: null, channel: null };
  if (letter.rawTruncated) {
    const why =
      `the message was ${letter.rawBytes ?? 'over'} bytes, over the ${LIMITS.maxEventBytes}-byte limit; the letter keeps only its start, so ask ` +
      `the producer to send it again smaller`;
    return { ...base, eventId: null, action: 'skip', why };
  }
  const raw = Buffer.from(letter.rawBase64, 'base64');
  const parsed = parseEvent(raw);
  if (!parsed.ok) return { ...base, eventId: null, action: 'skip', why: `still invalid (${parsed.code}); fix the producer and send it again` };
  // Never the letter's own source topic: a letter on the DLQ topic is not trusted to choose where herald writes.
  const topic = config.kafka.topics.incoming;
  const headers = { ...MESSAGE_HEADERS, [REPLAYED_FROM_HEADER]: stored.id };
  return {
    ...base,
    eventId: parsed.event.id,
    action: 'republish',
    why: `valid now; back to ${topic}`,
    publish: { topic, message: { key: letter.source.key, value: raw, headers } },
  };
}

/**
 * Decides, letter by letter, what `herald dlq replay` does: a failed delivery (or each of a failed
 * digest's events) gets one more try through herald's own retry store, unless herald's records say
 * it was sent since, is being retried already, was skipped on purpose, or never failed at all; an
 * invalid message is re-published with its original bytes and key to the intake topic, only if it
 * is a valid event now (a fixed producer cannot fix bytes already written). A delivery named by
 * several letters is replayed once.
 */
export async function planReplay(letters: readonly StoredLetter[], config: HeraldConfig, lookups: ReplayLookups): Promise<ReplayStep[]> {
  const steps: ReplayStep[] = [];
  const seen = new Map<string, string>();
  const once = (step: ReplayStep): ReplayStep => {
    if (!step.delivery) return step;
    const id = deliveryIdOf(step.delivery.ref);
    const first = seen.get(id);
    if (first) return { ...step, action: 'skip', why: `same delivery as letter ${first}`, delivery: undefined, replay: undefined };
    seen.set(id, step.letterId);
    return step;
  };
  for (const stored of letters) {
    const { letter } = stored;
    if (!letter) {
      steps.push({
        letterId: stored.id,
        eventId: null,
        recipientId: null,
        channel: null,
        action: 'skip',
        why: `not a herald dead letter (${stored.unreadable})`,
      });
    } else if (letter.kind === 'delivery_failed') {
      steps.push(once(await deliveryStep(stored.id, letter.event.id, letter.delivery.recipientId, letter.delivery.channel, lookups)));
    } else if (letter.kind === 'digest_failed') {
      for (const eventId of letter.digest.eventIds)
        steps.push(once(await deliveryStep(stored.id, eventId, letter.digest.recipientId, letter.digest.channel, lookups)));
    } else {
      steps.push(republishStep({ ...stored, letter }, config));
    }
  }
  return steps;
}
