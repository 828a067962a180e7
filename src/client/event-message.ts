import type { Clock } from '../shared/clock';
import { completeEvent } from '../contract/complete-event';
import type { EventV2 } from '../contract/event-v2';
import { LIMITS } from '../contract/limits';
import { MESSAGE_HEADERS, PRIORITY_HEADER } from '../contract/vocabulary';
import { ValidationError } from '../shared/errors';

/** One event ready for `producer.send`: the validated event and the Kafka message that carries it. */
export interface EventMessage {
  event: EventV2;
  message: { key: string; value: string; headers: Record<string, string> };
}

/**
 * The Kafka key of an event. A single-recipient event is keyed by its recipient, so one
 * recipient's single-recipient events land on one partition and are processed in order.
 * A multi-recipient event has no one recipient to order by: it is keyed by its
 * `deduplicationKey` (so repeats of it share a partition), else by its `id`.
 */
export function messageKey(event: EventV2): string {
  const [only] = event.recipients;
  if (event.recipients.length === 1 && only !== undefined) return only;
  return event.deduplicationKey ?? event.id;
}

/**
 * The headers of an event's message, the same from every herald publisher (HeraldProducer, the HTTP
 * API): the schema version and content type, and the priority intake's triage reads as a hint.
 */
export function eventHeaders(event: Pick<EventV2, 'priority'>): Record<string, string> {
  return { ...MESSAGE_HEADERS, [PRIORITY_HEADER]: event.priority };
}

/**
 * Completes and validates `input` (see `completeEvent`), then serialises it and checks the
 * whole message against `LIMITS.maxEventBytes`.
 * @throws ValidationError listing every problem with its path (`code` is the RejectCode,
 *   `oversize` when the serialised event is too large).
 */
export function toEventMessage(input: unknown, clock: Clock): EventMessage {
  const event = completeEvent(input, clock);
  const value = JSON.stringify(event);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > LIMITS.maxEventBytes) {
    const message =
      `event ${event.id} is ${bytes} bytes as JSON; the limit is ${LIMITS.maxEventBytes}. ` +
      'Split the recipients into several events or move large content out of the payload';
    throw new ValidationError(message, [{ path: '(root)', message }], 'oversize');
  }
  return { event, message: { key: messageKey(event), value, headers: eventHeaders(event) } };
}
