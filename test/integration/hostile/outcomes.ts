import type { Kafka } from 'kafkajs';
import type { EventV2 } from '../../../src/contract/event-v2';
import { parseEvent } from '../../../src/contract/parse-event';
import { hasHeader } from '../../../src/kafka/headers';
import { REPLAY_HEADER } from '../../../src/contract/vocabulary';
import { uniqueName } from '../../support/infra';
import { describeInput, type HostileInput } from './hostile-input';
import { getJson } from './http-calls';

/**
 * Accounting: every message that reached herald ends as a dead letter with a reason, an event
 * herald knows (GET /api/notifications/:id answers 200), or a duplicate it counted
 * (`herald_events_consumed_total{outcome="duplicate"}`). Anything else was silently lost.
 */

/** What herald must make of an input: a dead letter with this reason, or an event (known, or a counted duplicate). */
export type Expected = { reason: string } | { event: Pick<EventV2, 'id' | 'deduplicationKey'> };

/** An input on its way, with where it landed on the incoming topic (Kafka inputs) and what must become of it. */
export interface Tracked {
  input: HostileInput;
  expected: Expected;
  /** `partition/offset` on the incoming topic. */
  at?: string;
}

/** What the contract makes of a Kafka message: the worker's own triage rules. */
export function expectedOf(input: HostileInput): Expected {
  if (hasHeader(input.headers, REPLAY_HEADER)) return { reason: 'replay_refused' };
  const parsed = parseEvent(input.value);
  return parsed.ok ? { event: parsed.event } : { reason: parsed.code };
}

interface Letter {
  reason: string;
}

/** The invalid-message letters on the DLQ topic, read for the whole suite by a group of its own. */
export async function collectLetters(kafka: Kafka, topic: string) {
  const bySource = new Map<string, Letter>();
  const byEventId = new Map<string, Letter>();
  const consumer = kafka.consumer({ groupId: uniqueName('hostile-letters') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const letter = JSON.parse(message.value!.toString('utf8'));
      if (letter.kind !== 'invalid_event') return;
      bySource.set(`${letter.source.topic}/${letter.source.partition}/${letter.source.offset}`, letter);
      // A valid event given up after failing in the bulk lane has that lane's coordinates: found by its id.
      if (letter.reason === 'handling_failed') byEventId.set(String(JSON.parse(Buffer.from(letter.rawBase64, 'base64').toString('utf8')).id).trim(), letter);
    },
  });
  return { bySource, byEventId, stop: () => consumer.disconnect() };
}

/** The letter collector, as returned by {@link collectLetters}. */
export type Letters = Awaited<ReturnType<typeof collectLetters>>;

/** What the accounting reads from, and what it remembers between batches. */
export interface Accounting {
  url: string;
  incomingTopic: string;
  letters: Letters;
  /** Dedup keys of events handled in earlier batches: a later copy of one is a duplicate. */
  claimed: Set<string>;
}

/** herald's counts of messages consumed so far (every outcome) and of duplicates among them. */
export interface Counters {
  consumed: number;
  duplicates: number;
}

/**
 * herald's {@link Counters}, from `herald_events_consumed_total`. A message is counted once its
 * handling is over (dead-lettered, or every delivery settled), in whichever lane handled it.
 */
export async function countersOf(url: string): Promise<Counters> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const count = (outcome: string) => Number(new RegExp(`^herald_events_consumed_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { consumed: count('accepted') + count('duplicate') + count('invalid'), duplicates: count('duplicate') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until herald consumed nothing for `quietMs` (at most `timeoutMs`): after a batch that stalled
 * herald, its leftovers (redeliveries after a rebalance) would otherwise be counted in the next batch.
 */
export async function quiet(url: string, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await countersOf(url);
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await sleep(200);
    const now = await countersOf(url);
    if (now.consumed !== last.consumed) [last, since] = [now, Date.now()];
  }
}
const dedupKeyOf = (event: Pick<EventV2, 'id' | 'deduplicationKey'>) => event.deduplicationKey ?? event.id;

/** One look at the batch: what is still missing, what went wrong, and the duplicates it should have. */
async function look(acc: Accounting, tracked: Tracked[], known: Map<string, number>) {
  const problems: string[] = [];
  const missing: string[] = [];
  const groups = new Map<string, Tracked[]>();
  for (const t of tracked) {
    const event = 'event' in t.expected ? t.expected.event : undefined;
    const letter = (t.at && acc.letters.bySource.get(`${acc.incomingTopic}/${t.at}`)) || (event && acc.letters.byEventId.get(event.id));
    if (letter) {
      const fine = event ? letter.reason === 'handling_failed' : letter.reason === (t.expected as { reason: string }).reason;
      if (!fine)
        problems.push(
          `dead-lettered ${letter.reason}, expected ${event ? 'the event handled' : (t.expected as { reason: string }).reason}: ${describeInput(t.input)}`,
        );
    } else if (!event) missing.push(`no dead letter (${(t.expected as { reason: string }).reason} expected): ${describeInput(t.input)}`);
    else groups.set(dedupKeyOf(event), [...(groups.get(dedupKeyOf(event)) ?? []), t]);
  }
  let duplicates = 0;
  for (const [key, members] of groups) {
    // A key claimed by an earlier batch's event (an id or a deduplicationKey: they share one namespace) makes every copy here a duplicate.
    if (acc.claimed.has(key)) {
      duplicates += members.length;
      continue;
    }
    duplicates += members.length - 1;
    const ids = members.map((m) => (m.expected as { event: EventV2 }).event.id);
    for (const id of ids.filter((i) => !known.has(i)).slice(0, 1)) known.set(id, await lookUp(acc.url, id));
    const answers = ids.map((id) => known.get(id)).filter((s) => s !== undefined);
    if (answers.some((s) => s !== 200 && s !== 404))
      problems.push(`GET /api/notifications/:id answered ${answers.join(',')} for a valid event: ${describeInput(members[0]!.input)}`);
    else if (!answers.includes(200)) missing.push(`event not known to herald: ${describeInput(members[0]!.input)}`);
  }
  return { problems, missing, duplicates, groups };
}

/** GET /api/notifications/:id of a valid event; a status other than 200 is kept only when it is final (not 404). */
async function lookUp(url: string, id: string): Promise<number> {
  // A lone surrogate cannot travel in a URL; its UTF-8 form (U+FFFD) is what herald stored under.
  const { status } = await getJson(url, `/api/notifications/${encodeURIComponent(id.toWellFormed())}`);
  return status;
}

/**
 * Waits until every tracked input is accounted for and herald finished handling `tracked.length +
 * others` messages since `before` (or `timeoutMs` passes), and returns what is wrong: inputs neither
 * dead-lettered nor known nor counted as duplicates, letters with another reason than the contract's,
 * events that cannot be looked up. Waiting for the handling too keeps the batch's work (rendering,
 * sending) inside the batch's measurements.
 */
export async function accountFor(acc: Accounting, tracked: Tracked[], before: Counters, others: number, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const known = new Map<string, number>();
  for (;;) {
    // A 404 may turn into 200 once the event is consumed: only final answers are kept between looks.
    for (const [id, status] of known) if (status === 404) known.delete(id);
    const seen = await look(acc, tracked, known);
    const now = await countersOf(acc.url);
    const [duplicates, handled] = [now.duplicates - before.duplicates, now.consumed - before.consumed];
    const settled = seen.missing.length === 0 && duplicates === seen.duplicates && handled >= tracked.length + others;
    if (settled || Date.now() > deadline) {
      for (const key of seen.groups.keys()) acc.claimed.add(key);
      const counts = [
        ...(duplicates === seen.duplicates ? [] : [`herald counted ${duplicates} duplicates, the batch holds ${seen.duplicates}`]),
        ...(handled >= tracked.length + others ? [] : [`herald finished handling ${handled} of the batch's ${tracked.length + others} messages`]),
      ];
      const late = settled ? [] : [...seen.missing, ...counts];
      return [...seen.problems, ...late.map((m) => `after ${timeoutMs} ms, ${m}`)];
    }
    await sleep(250);
  }
}
