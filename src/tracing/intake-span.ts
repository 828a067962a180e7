import { SpanKind } from '@opentelemetry/api';
import type { ConsumedMessage } from '../kafka/types';
import type { EventV2 } from '../contract/event-v2';
import { extractTraceContext } from './kafka-headers';
import { withSpan } from './with-span';

/** Where the message being handled was read, as the worker knows it. */
export interface IntakeMessage {
  topic: string;
  partition: number;
  message: Pick<ConsumedMessage, 'offset' | 'headers'>;
}

/**
 * Runs `fn` (the handling of one valid event) in a `herald.intake` CONSUMER span (`herald.lane`
 * `intake` for the fast lane, `bulk` for the bulk lane, as in the metrics) whose parent is the
 * trace context the producer put in the message headers; the bulk lane reads the same headers,
 * forwarded with the event, so its span joins the same trace. The message key is left out: a
 * single-recipient event is keyed by its recipient, which may be an address.
 */
export function withIntakeSpan<T>(at: IntakeMessage, event: Pick<EventV2, 'id' | 'priority'>, lane: 'intake' | 'bulk', fn: () => Promise<T>): Promise<T> {
  const attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': at.topic,
    'messaging.destination.partition.id': String(at.partition),
    'messaging.kafka.offset': Number(at.message.offset),
    'herald.event_id': event.id,
    'herald.priority': event.priority,
    'herald.lane': lane,
  };
  return withSpan('herald.intake', attributes, fn, { kind: SpanKind.CONSUMER, parent: extractTraceContext(at.message.headers) });
}
