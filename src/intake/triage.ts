import type { ConsumedMessage, MessageHeaders, OutgoingMessage } from '../kafka/types';
import { PRIORITIES, PRIORITY_HEADER, type Priority } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import { parseEvent, type ParseResult } from '../contract/parse-event';
import { hasHeader } from '../kafka/headers';
import { ORIGIN_HEADER, REPLAY_HEADER } from '../contract/vocabulary';

/**
 * Priority lanes at intake.
 *
 * Why: a marketing blast and a password reset share `notifications.incoming`, and Kafka hands out
 * a partition's messages in order. If intake fully handled each event before the next (resolve,
 * route, send, record), a reset produced behind 100,000 marketing events would wait for all of
 * them to be delivered: minutes, for a message that should land in a second.
 *
 * How: intake only triages. Each message is parsed (unless its {@link PRIORITY_HEADER} hint names a
 * bulk-lane priority: it is forwarded unparsed, and the bulk lane parses it); an invalid one is
 * dead-lettered as always; an event whose priority is in `kafka.fastLane` (default critical, high) is handled right there; any
 * other is forwarded unchanged (same key, value bytes and headers, plus {@link ORIGIN_HEADER}) to
 * `kafka.topics.bulk`, which a consumer group of its own (`<group>.bulk`) handles like any event.
 * Forwarding is batched (a few produce requests per fetched batch) and runs beside the fast-lane
 * handling of the same batch. Triage costs a parse (none for a hinted one) and a share of a produce per bulk event, so a
 * critical event waits only for the triage of what is ahead of it in its partition, never for the
 * flood's delivery; the flood then drains from the bulk topic at its own pace.
 *
 * Cheaper still: herald's own publishers (HeraldProducer with `bulkTopic`, the HTTP API) write
 * bulk-lane events to `kafka.topics.bulk` themselves (src/client/lane-topic.ts), so intake sees
 * only what a raw producer wrote to the incoming topic, and a critical event waits for nothing.
 *
 * Safety: incoming offsets are resolved in order, each only once its message was handled (fast lane,
 * DLQ) or acknowledged by the bulk topic, so a crash re-triages and never loses. A message forwarded
 * twice (a crash between the forward and the commit) reaches the bulk lane twice; the dedup store
 * drops the second copy, whose marker (its own bulk offset) differs from the first's. Ordering holds
 * within a lane (the key is kept, so one recipient's bulk events stay on one bulk partition), not
 * across lanes: that is the point.
 */

/** Where a message goes: handled now, forwarded to the bulk lane, or dead-lettered. */
export type Triage =
  { lane: 'fast'; event: EventV2 } | { lane: 'bulk'; priority: Priority } | { lane: 'invalid'; failure: Extract<ParseResult, { ok: false }> };

/** Why a message carrying the `herald-replay` header is dead-lettered instead of handled. */
export const REPLAY_REFUSED =
  `the ${REPLAY_HEADER} header is refused on herald's topics: a replay skipped dedup, preferences, quiet hours, caps and schedules, so herald no ` +
  `longer takes one from a producer. ` +
  "`herald dlq replay` gives a dead-lettered delivery another try through herald's own retry store; publish the event without the " +
  'header to send it as a new event';

/**
 * The failure of a message that carries the `herald-replay` header, or null. Checked on both lanes:
 * herald's publishers write bulk-lane events straight to the bulk topic, so producers write there too.
 */
export function replayRefusal(headers: MessageHeaders | undefined): Extract<ParseResult, { ok: false }> | null {
  if (!hasHeader(headers, REPLAY_HEADER)) return null;
  return { ok: false, code: 'replay_refused', message: REPLAY_REFUSED, issues: [{ path: `(header ${REPLAY_HEADER})`, message: 'set by the producer' }] };
}

/** The priority a message's {@link PRIORITY_HEADER} names, or undefined when it names none (absent, repeated, not a priority). */
function hintedPriority(headers: MessageHeaders | undefined): Priority | undefined {
  if (!hasHeader(headers, PRIORITY_HEADER)) return undefined;
  const raw = headers![PRIORITY_HEADER];
  const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('latin1') : undefined;
  return (PRIORITIES as readonly string[]).includes(text ?? '') ? (text as Priority) : undefined;
}

/**
 * Classifies one message's bytes by the priority of the event they carry. A message whose
 * {@link PRIORITY_HEADER} hints a bulk-lane priority goes to the bulk lane unparsed: a backlog of
 * 50,000 normal events was triaged at a parse each, about 3 s of intake's CPU, while a critical event
 * produced behind them waited (BENCHMARKS.md, "Optimizations"). Whatever the hint, the bulk lane
 * validates and dead-letters like intake; a hint that lies only moves its own event to the other
 * lane. A message with the `herald-replay` header is refused (dead-lettered `replay_refused`): any producer on the topic
 * could set it, and nothing on this topic is trusted to skip the pipeline's checks.
 */
export function triage(raw: Buffer | null, fastLane: readonly Priority[], headers?: MessageHeaders): Triage {
  const refused = replayRefusal(headers);
  if (refused) return { lane: 'invalid', failure: refused };
  const hinted = hintedPriority(headers);
  if (hinted && !fastLane.includes(hinted)) return { lane: 'bulk', priority: hinted };
  const parsed = parseEvent(raw);
  if (!parsed.ok) return { lane: 'invalid', failure: parsed };
  const { priority } = parsed.event;
  return fastLane.includes(priority) ? { lane: 'fast', event: parsed.event } : { lane: 'bulk', priority };
}

/** The bulk-lane copy of an incoming message: its key, value and headers, plus where it came from. */
export function forwardedMessage(
  origin: { topic: string; partition: number },
  message: Pick<ConsumedMessage, 'key' | 'value' | 'headers' | 'offset'>,
): OutgoingMessage {
  const headers: MessageHeaders = { ...message.headers, [ORIGIN_HEADER]: `${origin.topic}/${origin.partition}/${message.offset}` };
  return { key: message.key, value: message.value, headers };
}

/** How much one forwarding request may carry. */
export interface SendLimits {
  /** Most messages in one request. */
  maxCount: number;
  /** Most bytes (keys, values, headers) in one request; a single larger message still goes, alone. */
  maxBytes: number;
}

/**
 * `items` cut in order into runs that each fit one produce request: the broker refuses a record
 * batch above `message.max.bytes` (1 MB by default), and events may be up to 512 KB each, so a
 * count alone could build a request of hundreds of megabytes.
 */
export function chunkForSend<T>(items: readonly T[], sizeOf: (item: T) => number, limits: SendLimits): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (run.length > 0 && (run.length >= limits.maxCount || bytes + size > limits.maxBytes)) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(item);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Bytes a message adds to a produce request, near enough (record overhead left out). */
export function messageBytes(message: Pick<ConsumedMessage, 'key' | 'value' | 'headers'>): number {
  let size = (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const v of [value ?? []].flat()) size += name.length + v.length;
  }
  return size + ORIGIN_HEADER.length + 40;
}
