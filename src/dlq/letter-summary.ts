import type { DeadLetter } from '../contract/dead-letter';
import type { StoredLetter } from './dlq-reader';

/** One dead letter as a row of `herald dlq list`: what on-call scans for. */
export interface LetterSummary {
  id: string;
  /** ISO instant herald gave up (the Kafka timestamp when the value is unreadable). */
  time: string;
  kind: DeadLetter['kind'] | 'unreadable';
  eventId: string | null;
  recipientId: string | null;
  channel: string | null;
  provider: string | null;
  attempts: number | null;
  reason: string;
}

/** The event id an invalid message would have had, when its bytes are JSON with an `id`. */
function idInRaw(rawBase64: string): string | null {
  try {
    const json = JSON.parse(Buffer.from(rawBase64, 'base64').toString('utf8')) as { id?: unknown };
    return typeof json?.id === 'string' ? json.id : null;
  } catch {
    return null;
  }
}

/** The row of one stored letter. */
export function summarize(stored: StoredLetter): LetterSummary {
  const { letter } = stored;
  const base = { id: stored.id, time: new Date(stored.timestamp).toISOString() };
  if (!letter)
    return {
      ...base,
      kind: 'unreadable',
      eventId: null,
      recipientId: null,
      channel: null,
      provider: null,
      attempts: null,
      reason: stored.unreadable ?? 'unreadable',
    };
  const time = letter.failedAt;
  switch (letter.kind) {
    case 'invalid_event':
      return {
        ...base,
        time,
        kind: letter.kind,
        eventId: idInRaw(letter.rawBase64),
        recipientId: null,
        channel: null,
        provider: null,
        attempts: null,
        reason: letter.reason,
      };
    case 'delivery_failed':
      return {
        ...base,
        time,
        kind: letter.kind,
        eventId: letter.event.id,
        recipientId: letter.delivery.recipientId,
        channel: letter.delivery.channel,
        provider: letter.delivery.provider,
        attempts: letter.delivery.attempts,
        reason: letter.reason,
      };
    case 'digest_failed':
      return {
        ...base,
        time,
        kind: letter.kind,
        eventId: letter.digest.eventIds.join(','),
        recipientId: letter.digest.recipientId,
        channel: letter.digest.channel,
        provider: letter.digest.provider,
        attempts: letter.digest.attempts,
        reason: letter.reason,
      };
  }
}

/** Filters of `dlq list` and `dlq replay`. */
export interface LetterFilter {
  channel?: string;
  reason?: string;
  kind?: string;
  eventId?: string;
  recipientId?: string;
  ids?: string[];
}

/** Whether a letter passes every filter given. */
export function matches(row: LetterSummary, filter: LetterFilter): boolean {
  if (filter.ids && filter.ids.length > 0 && !filter.ids.includes(row.id)) return false;
  if (filter.channel && row.channel !== filter.channel) return false;
  if (filter.reason && row.reason !== filter.reason) return false;
  if (filter.kind && row.kind !== filter.kind && !row.kind.startsWith(filter.kind)) return false;
  if (filter.eventId && !(row.eventId ?? '').split(',').includes(filter.eventId)) return false;
  if (filter.recipientId && row.recipientId !== filter.recipientId) return false;
  return true;
}
