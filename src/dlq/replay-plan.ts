import { LIMITS } from '../contract/limits';
import type { Message } from 'kafkajs';
import type { HeraldConfig } from '../config/schema';
import { MESSAGE_HEADERS, messageKey } from '../client/event-message';
import type { EventV2 } from '../contract/event-v2';
import { parseEvent } from '../contract/parse-event';
import { deliveryIdOf, type DeliveryRef } from '../delivery-state/delivery-store';
import type { DeliveryRecord } from '../delivery-state/types';
import { countOf } from '../cli/format-table';
import type { StoredLetter } from './dlq-reader';
import { REPLAY_HEADER, type ReplayTarget } from './replay-header';

/** Header on a re-published invalid message: the dead letter it came from. */
export const REPLAYED_FROM_HEADER = 'herald-replayed-from';

/** One line of a replay plan: what will be re-published for a letter, or why not. */
export interface ReplayStep {
  letterId: string;
  eventId: string | null;
  recipientId: string | null;
  channel: string | null;
  action: 'replay' | 'republish' | 'skip';
  why: string;
  /** The delivery a `replay` reopens, and its replay count before (to see the try land with `--wait`). */
  delivery?: { ref: DeliveryRef; replaysBefore: number };
  /** What to publish, and where. */
  publish?: { topic: string; message: Message };
}

/** What the plan reads from Redis. */
export interface ReplayLookups {
  record(ref: DeliveryRef): Promise<DeliveryRecord | null>;
  /** The event as intake stored it (digests name events by id only). */
  event(eventId: string): Promise<EventV2 | null>;
}

const IN_PROGRESS = new Set(['pending', 'sending', 'deferred', 'batched']);

/** Why a delivery is not replayed, from its current record; null when it may be. */
function refusal(record: DeliveryRecord | null): string | null {
  if (!record) return null;
  if (record.sentAt || record.status === 'sent' || record.status === 'delivered') return `already sent (${record.status}); never sent twice`;
  if (record.status === 'skipped') return `skipped on purpose (${record.reason ?? 'no reason'}); not a failure`;
  if (IN_PROGRESS.has(record.status)) return `a try is already coming (${record.status})`;
  return null;
}

async function deliveryStep(letterId: string, event: EventV2, recipientId: string, channel: ReplayTarget['channel'], attempts: number, config: HeraldConfig, lookups: ReplayLookups): Promise<ReplayStep> {
  const ref = { eventId: event.id, recipientId, channel };
  const record = await lookups.record(ref);
  const base = { letterId, eventId: event.id, recipientId, channel };
  const refused = refusal(record);
  if (refused) return { ...base, action: 'skip', why: refused };
  const target: ReplayTarget = { recipientId, channel, letter: letterId, attempts: record?.attempts ?? attempts };
  const message = { key: messageKey(event), value: JSON.stringify(event), headers: { ...MESSAGE_HEADERS, [REPLAY_HEADER]: JSON.stringify(target) } };
  return {
    ...base,
    action: 'replay',
    why: record ? `${record.status} after ${countOf(record.attempts, 'attempt')}; one more try` : 'record past retention; one more try',
    delivery: { ref, replaysBefore: record?.replays ?? 0 },
    publish: { topic: config.kafka.topics.incoming, message },
  };
}

/**
 * Decides, letter by letter, what `herald dlq replay` re-publishes: a failed delivery (or each of
 * a failed digest's events) as a replay message naming that one delivery, unless it was sent
 * since, is being retried already or was skipped on purpose; an invalid message with its original
 * bytes and key, only if it is a valid event now (a fixed producer cannot fix bytes already written).
 * A delivery named by several letters is replayed once.
 */
export async function planReplay(letters: readonly StoredLetter[], config: HeraldConfig, lookups: ReplayLookups): Promise<ReplayStep[]> {
  const steps: ReplayStep[] = [];
  const seen = new Map<string, string>();
  const once = (step: ReplayStep): ReplayStep => {
    if (!step.delivery) return step;
    const id = deliveryIdOf(step.delivery.ref);
    const first = seen.get(id);
    if (first) return { ...step, action: 'skip', why: `same delivery as letter ${first}`, delivery: undefined, publish: undefined };
    seen.set(id, step.letterId);
    return step;
  };
  for (const stored of letters) {
    const { letter } = stored;
    if (!letter) {
      steps.push({ letterId: stored.id, eventId: null, recipientId: null, channel: null, action: 'skip', why: `not a herald dead letter (${stored.unreadable})` });
    } else if (letter.kind === 'delivery_failed') {
      steps.push(once(await deliveryStep(stored.id, letter.event, letter.delivery.recipientId, letter.delivery.channel, letter.delivery.attempts, config, lookups)));
    } else if (letter.kind === 'digest_failed') {
      for (const eventId of letter.digest.eventIds) {
        const event = await lookups.event(eventId);
        if (!event) {
          steps.push({ letterId: stored.id, eventId, recipientId: letter.digest.recipientId, channel: letter.digest.channel, action: 'skip', why: 'event past deliveryState.retentionSeconds; cannot rebuild it' });
          continue;
        }
        steps.push(once(await deliveryStep(stored.id, event, letter.digest.recipientId, letter.digest.channel, letter.digest.attempts, config, lookups)));
      }
    } else if (letter.rawTruncated) {
      const why = `the message was ${letter.rawBytes ?? 'over'} bytes, over the ${LIMITS.maxEventBytes}-byte limit; the letter keeps only its start, so ask the producer to send it again smaller`;
      steps.push({ letterId: stored.id, recipientId: null, channel: null, eventId: null, action: 'skip', why });
    } else {
      const raw = Buffer.from(letter.rawBase64, 'base64');
      const parsed = parseEvent(raw);
      const base = { letterId: stored.id, recipientId: null, channel: null };
      if (!parsed.ok) {
        steps.push({ ...base, eventId: null, action: 'skip', why: `still invalid (${parsed.code}); fix the producer and send it again` });
        continue;
      }
      const headers = { ...MESSAGE_HEADERS, [REPLAYED_FROM_HEADER]: stored.id };
      steps.push({ ...base, eventId: parsed.event.id, action: 'republish', why: `valid now; back to ${letter.source.topic}`, publish: { topic: letter.source.topic, message: { key: letter.source.key, value: raw, headers } } });
    }
  }
  return steps;
}
