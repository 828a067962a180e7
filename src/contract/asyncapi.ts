import { z } from 'zod';
import { MESSAGE_HEADERS } from './vocabulary';
import { DELIVERY_STATUSES } from './vocabulary';
import { PRIORITIES, PRIORITY_HEADER, REPLAY_HEADER } from './vocabulary';
import { deadLetterSchema } from './dead-letter';
import { CHANNELS } from './vocabulary';
import { buildEventJsonSchema } from './json-schema';
import { LIMITS } from './limits';
import { statusMessageSchema } from './status-message';
import { ASYNCAPI_EXAMPLES } from './asyncapi-examples';

/** The topic names the document gives its channels: `kafka.topics` of the config. */
export interface AsyncApiTopics {
  incoming: string;
  status: string;
  dlq: string;
  /** Internal: named in the description only, never a channel to produce to. */
  bulk: string;
}

/** The defaults of `kafka.topics` in src/config/schema.ts (a unit test keeps them equal). */
export const DEFAULT_TOPICS: AsyncApiTopics = {
  incoming: 'notifications.incoming',
  status: 'notifications.status',
  dlq: 'notifications.dlq',
  bulk: 'notifications.incoming.bulk',
};

/** JSON Schema of a zod schema as the document embeds it: the published dialect's output, no `$schema` of its own. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  return rest;
}

const text = (description: string) => z.string().meta({ description });

/** Headers of an event message. None is required: herald reads everything it needs from the value. */
export const incomingHeadersSchema = z.object({
  'herald-schema-version': z
    .literal(MESSAGE_HEADERS['herald-schema-version'])
    .optional()
    .meta({
      description:
        'Version of the event in the value, for people and tools. Set by HeraldProducer; recommended for other producers. Herald ' +
        'reads the version from the value.',
    }),
  'content-type': z.literal(MESSAGE_HEADERS['content-type']).optional().meta({ description: 'Set by HeraldProducer; recommended for other producers.' }),
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    .optional()
    .meta({
      description: "W3C Trace Context, injected by HeraldProducer when a trace is active; other producers may set it to join herald's spans to their trace.",
    }),
  tracestate: z.string().optional().meta({ description: 'W3C Trace Context vendor state, sent with traceparent.' }),
  [PRIORITY_HEADER]: z
    .enum(PRIORITIES)
    .optional()
    .meta({
      description:
        "The event's priority, set by HeraldProducer: a routing hint. Intake forwards a message hinted `normal` or `low` (a priority outside " +
        '`kafka.fastLane`) to the bulk lane without parsing it there; the bulk lane validates it, and the priority in the value is the one herald ' +
        'applies. Other producers may set it; a wrong hint only moves its own event to the other lane.',
    }),
  [REPLAY_HEADER]: text(
    'Refused: producers must not set it. A message that carries it, whatever its value, is dead-lettered with reason `replay_refused` and never handled. ' +
      "`herald dlq replay` retries a dead-lettered delivery through herald's own retry store, never through this topic.",
  ).optional(),
});

/** Headers of a status message: the value's status and channel, to filter without parsing it. */
export const statusHeadersSchema = z.object({
  'herald-status': z.enum(DELIVERY_STATUSES).meta({ description: "The value's `status`." }),
  'herald-channel': z.enum(CHANNELS).meta({ description: "The value's `channel`." }),
});

const DEAD_LETTER_KINDS = deadLetterSchema.options.map((o) => o.shape.kind.value);

/** Headers of a dead letter: kind and reason (and, for an invalid event, where it came from) without parsing it. */
export const deadLetterHeadersSchema = z.object({
  'herald-dlq-kind': z.enum(DEAD_LETTER_KINDS).meta({ description: "The value's `kind`." }),
  'herald-dlq-reason': text("The value's `reason`."),
  'herald-source-topic': text('invalid_event only: the topic the message was read from.').optional(),
  'herald-source-partition': text('invalid_event only: its partition, in decimal.').regex(/^\d+$/).optional(),
  'herald-source-offset': text('invalid_event only: its offset, in decimal.').regex(/^\d+$/).optional(),
});

function eventPayloadSchema(): Record<string, unknown> {
  const { $schema: _dialect, $id: _id, ...rest } = buildEventJsonSchema();
  return rest;
}

const ref = (...path: string[]) => ({ $ref: `#/${path.join('/')}` });
const kafkaKey = (key: Record<string, unknown>) => ({ kafka: { key, bindingVersion: '0.5.0' } });

/** The three public messages, each with its headers, Kafka key, payload and a worked example. */
function messages() {
  return {
    NotificationEvent: {
      name: 'NotificationEvent',
      title: 'Notification event',
      summary: 'A notification to deliver: version 2 (with "version": 2) or version 1 (no version field).',
      headers: ref('components', 'schemas', 'NotificationEventHeaders'),
      payload: ref('components', 'schemas', 'NotificationEvent'),
      bindings: kafkaKey({
        type: 'string',
        description:
          "A single-recipient event is keyed by its recipient, so one recipient's events are handled in order. " +
          'A multi-recipient event is keyed by its deduplicationKey, else its id (no ordering with other events).',
        examples: ['user_42'],
      }),
      examples: [ASYNCAPI_EXAMPLES.notificationEvent],
    },
    StatusChange: {
      name: 'StatusChange',
      title: 'Delivery status change',
      summary: 'One change of one delivery (event x recipient x channel), published at least once.',
      headers: ref('components', 'schemas', 'StatusChangeHeaders'),
      payload: ref('components', 'schemas', 'StatusChange'),
      bindings: kafkaKey({ type: 'string', description: "The event id, so one event's changes stay in order on one partition.", examples: ['evt-7f3c'] }),
      examples: [ASYNCAPI_EXAMPLES.statusChange],
    },
    DeadLetter: {
      name: 'DeadLetter',
      title: 'Dead letter',
      summary: 'A message that never became an event, or a delivery or digest that failed for good.',
      headers: ref('components', 'schemas', 'DeadLetterHeaders'),
      payload: ref('components', 'schemas', 'DeadLetter'),
      bindings: kafkaKey({
        type: ['string', 'null'],
        description: 'invalid_event: the key of the rejected message (null if it had none); delivery_failed: the event id; digest_failed: the digest id.',
        examples: ['evt-7f3c'],
      }),
      examples: [ASYNCAPI_EXAMPLES.deadLetter],
    },
  };
}

/** One operation: who does what on which channel, with every message of that channel. */
function operation(action: 'send' | 'receive', channel: string, message: string, who: string, summary: string) {
  return { action, channel: ref('channels', channel), messages: [ref('channels', channel, 'messages', message)], summary, tags: [{ name: who }] };
}

/**
 * The AsyncAPI 3.0.0 document of herald's public topics: `notifications.incoming` and its bulk lane
 * (events producers send), `notifications.status` (delivery status changes) and `notifications.dlq` (dead
 * letters), with their headers, Kafka keys and payloads. Payloads and headers are generated from
 * the zod contract, so the document cannot drift from what herald reads and writes; it is written
 * to schema/asyncapi.json by `npm run schema:write` and checked by test/unit/contract/asyncapi.test.ts.
 * The schemas use only keywords draft-07 shares with draft 2020-12, so AsyncAPI tools read them as
 * the default AsyncAPI Schema format.
 * @param options.version herald's version (package.json), passed in so src/ never imports package.json.
 * @param options.topics topic names when not the defaults (`kafka.topics`).
 */
export function buildAsyncApiDocument(options: { version: string; topics?: AsyncApiTopics }): Record<string, unknown> {
  const topics = options.topics ?? DEFAULT_TOPICS;
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'herald',
      version: options.version,
      description:
        'Kafka topics of herald, the notification service. Backend services send events to the incoming topic; ' +
        'herald publishes every delivery status change to the status topic and everything that failed for good to the DLQ topic. ' +
        `Topic names are configurable (kafka.topics.*); these are the defaults. ${topics.bulk} is the bulk lane: events whose priority is not in ` +
        'kafka.fastLane (normal and low by default) are handled from it. Producers may write those events there directly (HeraldProducer with ' +
        'bulkTopic, and POST /api/notify, do): the same handling, and they never queue in front of a critical event; written to the incoming topic ' +
        'instead, intake forwards them there unchanged with a herald-origin header. ' +
        `Limits beyond the schemas: a message value of at most ${LIMITS.maxEventBytes} bytes. Guide: docs/producers.md.`,
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'The local broker (npm run stack:up or docker compose); elsewhere, your KAFKA_BROKERS.',
      },
    },
    channels: {
      incoming: {
        address: topics.incoming,
        title: 'Notification events',
        description: 'One JSON event per message. Herald deduplicates by deduplicationKey, else id, so producing the same event twice delivers it once.',
        messages: { NotificationEvent: ref('components', 'messages', 'NotificationEvent') },
      },
      bulk: {
        address: topics.bulk,
        title: 'Notification events of the bulk lane',
        description:
          'Events whose priority is not in kafka.fastLane (normal and low by default), validated and deduplicated exactly as on the incoming topic. ' +
          'An event of a fast-lane priority written here is handled too, but behind the bulk events ahead of it: send those to the incoming topic.',
        messages: { NotificationEvent: ref('components', 'messages', 'NotificationEvent') },
      },
      status: {
        address: topics.status,
        title: 'Delivery status changes',
        description: 'Every change of every delivery, at least once and in order per event. The internal status `sending` is never published.',
        messages: { StatusChange: ref('components', 'messages', 'StatusChange') },
      },
      dlq: {
        address: topics.dlq,
        title: 'Dead letters',
        description:
          "For on-call: inspect with `herald dlq`; `herald dlq replay` gives a dead-lettered delivery another try through herald's retry store, and " +
          're-publishes an invalid message that is valid now to the incoming topic.',
        messages: { DeadLetter: ref('components', 'messages', 'DeadLetter') },
      },
    },
    operations: {
      sendNotificationEvent: operation(
        'send',
        'incoming',
        'NotificationEvent',
        'producers',
        'A backend service publishes an event (HeraldProducer, or kafkajs with the same key and headers).',
      ),
      receiveNotificationEvent: operation(
        'receive',
        'incoming',
        'NotificationEvent',
        'herald',
        'Herald workers consume the events (consumer group KAFKA_GROUP_ID).',
      ),
      sendBulkNotificationEvent: operation(
        'send',
        'bulk',
        'NotificationEvent',
        'producers',
        'A backend service publishes a normal or low event straight to the bulk lane ' +
          '(HeraldProducer with bulkTopic, or kafkajs with the same key and headers).',
      ),
      receiveBulkNotificationEvent: operation(
        'receive',
        'bulk',
        'NotificationEvent',
        'herald',
        'Herald workers consume the bulk lane (consumer group KAFKA_GROUP_ID.bulk).',
      ),
      sendStatusChange: operation('send', 'status', 'StatusChange', 'herald', 'Herald publishes each status change before it commits the offset of its event.'),
      receiveStatusChange: operation(
        'receive',
        'status',
        'StatusChange',
        'consumers',
        'Any service may follow deliveries with a consumer group of its own; treat repeats as no-ops.',
      ),
      sendDeadLetter: operation('send', 'dlq', 'DeadLetter', 'herald', 'Herald dead-letters invalid messages and deliveries or digests that failed for good.'),
      receiveDeadLetter: operation('receive', 'dlq', 'DeadLetter', 'consumers', 'On-call tooling (herald dlq) and alerting read the dead letters.'),
    },
    components: {
      schemas: {
        NotificationEvent: eventPayloadSchema(),
        NotificationEventHeaders: jsonSchemaOf(incomingHeadersSchema),
        StatusChange: jsonSchemaOf(statusMessageSchema),
        StatusChangeHeaders: jsonSchemaOf(statusHeadersSchema),
        DeadLetter: jsonSchemaOf(deadLetterSchema),
        DeadLetterHeaders: jsonSchemaOf(deadLetterHeadersSchema),
      },
      messages: messages(),
    },
  };
}
