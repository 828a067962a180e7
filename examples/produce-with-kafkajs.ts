/**
 * Publishing notifications with plain kafkajs, for services that do not use herald's client.
 *   npx tsx examples/produce-with-kafkajs.ts [brokers] [topic]
 * Only kafkajs and Node built-ins: copy it into your service. Quoted by docs/producers.md;
 * test/integration/client/examples.test.ts runs it on a real broker and parses what it wrote.
 * The contract is schema/notification-event.schema.json (and schema/asyncapi.json).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, type Message } from 'kafkajs';

/** A version 2 event, as the JSON Schema describes it. */
export interface NotificationEvent {
  version: 2;
  id: string;
  type: 'transactional' | 'marketing' | 'alert';
  priority: 'critical' | 'high' | 'normal' | 'low';
  template?: string;
  locale?: string;
  category?: string;
  payload: Record<string, unknown>;
  recipients: string[];
  channels: ('email' | 'sms' | 'push' | 'in_app' | 'webhook')[];
  /** ISO 8601 instant with an offset, e.g. 2026-01-31T09:00:00.000Z. */
  createdAt: string;
  sendAt?: string;
  delay?: string;
  deduplicationKey?: string;
}

/** Headers herald's own client sets on every event (and `herald-priority`, the event's priority); herald reads the version from the value. */
export const HEADERS = { 'herald-schema-version': '2', 'content-type': 'application/json' };

/** Largest message value herald accepts, in bytes (LIMITS.maxEventBytes). */
export const MAX_EVENT_BYTES = 512 * 1024;

/**
 * The Kafka key: the recipient of a single-recipient event (so one recipient's events stay in
 * order on one partition), else the deduplication key, else the id.
 */
export function keyOf(event: NotificationEvent): string {
  const [only] = event.recipients;
  if (event.recipients.length === 1 && only !== undefined) return only;
  return event.deduplicationKey ?? event.id;
}

/** The Kafka message of an event; refuses one herald would dead-letter for its size. */
export function toMessage(event: NotificationEvent): Message {
  const value = JSON.stringify(event);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    throw new Error(
      `event ${event.id} is ${bytes} bytes as JSON; the limit is ${MAX_EVENT_BYTES}. Split the recipients or send a reference instead of the content`,
    );
  }
  // The priority hint lets intake forward a normal or low event to the bulk lane without parsing it.
  return { key: keyOf(event), value, headers: { ...HEADERS, 'herald-priority': event.priority } };
}

/** Sends this example's events in one request; resolves with them once all in-sync replicas have them. */
export async function main({ brokers, topic = 'notifications.incoming' }: { brokers: string[]; topic?: string }): Promise<NotificationEvent[]> {
  const kafka = new Kafka({ clientId: 'billing-service', brokers });
  const producer = kafka.producer({
    idempotent: true, // kafkajs's own retries never write a message twice
    maxInFlightRequests: 1, // required by idempotence; keeps the order of sends
    allowAutoTopicCreation: false, // a misspelt topic fails here instead of being created
    createPartitioner: Partitioners.DefaultPartitioner, // the partitioner herald's client uses
  });
  const now = Date.now();
  const createdAt = new Date(now).toISOString();
  const events: NotificationEvent[] = [
    {
      version: 2,
      id: randomUUID(), // keep it: GET /api/notifications/:id shows the deliveries, and a retry reuses it
      type: 'transactional',
      priority: 'high',
      template: 'invoice-paid',
      recipients: ['user_42'],
      channels: ['email', 'in_app'],
      payload: { invoice: 'inv_981', amount: '49.00 EUR' },
      createdAt,
      deduplicationKey: 'invoice-paid:inv_981',
    },
    {
      version: 2,
      id: randomUUID(),
      type: 'alert',
      priority: 'normal',
      recipients: ['user_7', 'user_8'],
      channels: ['email'],
      payload: { report: 'monthly-usage' },
      createdAt,
      sendAt: new Date(now + 24 * 3_600_000).toISOString(), // held by herald until then (at most scheduling.maxHorizon, 365 days, ahead)
    },
  ];
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: events.map(toMessage) });
    return events;
  } finally {
    await producer.disconnect();
  }
}

if (require.main === module) {
  const [brokers = '127.0.0.1:9092', topic] = process.argv.slice(2);
  main({ brokers: brokers.split(','), topic }).then(
    (events) => console.log(events.map((e) => ({ id: e.id, key: keyOf(e) }))),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
