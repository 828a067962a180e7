import { randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import { eventHeaders, messageKey, toEventMessage } from '../src/client/event-message';
import { systemClock } from '../src/shared/clock';
import type { Channel, Priority } from '../src/contract/vocabulary';
import type { EventV2 } from '../src/contract/event-v2';

/** Template of every bench event (configured in bench/worker-config.ts). */
export const BENCH_TEMPLATE = 'bench-order-update';

/** The channels of throughput, fan-out, flood and dedup events. */
export const BOTH_CHANNELS: Channel[] = ['in_app', 'email'];

/** A realistic order-update payload of about 1 KB as JSON. */
export function benchPayload(seq: number): Record<string, unknown> {
  const order = `BN-${100000 + seq}`;
  return {
    title: `Order ${order} has shipped`,
    message:
      'Good news: your order has been packed and handed to the carrier. It should arrive within two to three working days; ' +
      'you can follow the parcel with the link below or in the app, and change the delivery slot until the day before.',
    customerName: 'Alex Example',
    orderId: order,
    url: `https://shop.example.com/orders/${order}/tracking?utm_source=herald&utm_medium=notification`,
    carrier: 'Example Parcel Service',
    trackingNumber: `EPS${String(seq).padStart(12, '0')}`,
    total: '149.90 EUR',
    items: [
      { sku: 'TSH-001-M-BLU', name: 'Organic cotton T-shirt, blue, M', quantity: 2, price: '19.90 EUR' },
      { sku: 'JNS-114-32-IND', name: 'Slim jeans, indigo, 32/32', quantity: 1, price: '59.90 EUR' },
      { sku: 'SCK-220-4243-GRY', name: 'Merino socks, grey, 42-43 (3 pairs)', quantity: 1, price: '24.90 EUR' },
      { sku: 'CAP-310-OS-BLK', name: 'Baseball cap, black, one size', quantity: 1, price: '25.30 EUR' },
    ],
  };
}

/** What varies between bench events. */
export interface BenchEventSpec {
  priority: Priority;
  recipients: string[];
  channels: Channel[];
  /** Sequence number, only to vary the payload. */
  seq: number;
  /** Default: a random UUID. A duplicate reuses its original's id. */
  id?: string;
  /** Default: now. */
  createdAt?: string;
}

/** A complete version-2 event, as HeraldProducer would publish it. */
export function benchEvent(spec: BenchEventSpec): EventV2 {
  return {
    version: 2,
    id: spec.id ?? randomUUID(),
    type: 'transactional',
    priority: spec.priority,
    template: BENCH_TEMPLATE,
    payload: benchPayload(spec.seq),
    recipients: spec.recipients,
    channels: spec.channels,
    createdAt: spec.createdAt ?? new Date().toISOString(),
  };
}

/** The Kafka message of `event`: the key and headers HeraldProducer uses, the value JSON-serialised. */
export function toMessage(event: EventV2): Message {
  return { key: messageKey(event), value: JSON.stringify(event), headers: eventHeaders(event) };
}

/**
 * Validates a sample of each bench event shape with the client's own toEventMessage (the contract,
 * the size limit), so the bench never measures events the service would dead-letter. Returns the
 * sizes in bytes of a one-recipient event and of its payload.
 */
export function checkBenchEvents(): { eventBytes: number; payloadBytes: number } {
  const sample = benchEvent({ priority: 'normal', recipients: ['bench-u0'], channels: BOTH_CHANNELS, seq: 1 });
  const { message } = toEventMessage(sample, systemClock);
  if (message.value !== JSON.stringify(sample)) throw new Error('bench events do not serialise as the client serialises them; fix bench/events.ts');
  toEventMessage(benchEvent({ priority: 'critical', recipients: ['bench-vip0'], channels: ['in_app'], seq: 1 }), systemClock);
  toEventMessage(
    benchEvent({ priority: 'normal', recipients: Array.from({ length: 1000 }, (_, i) => `bench-u${i}`), channels: BOTH_CHANNELS, seq: 1 }),
    systemClock,
  );
  return { eventBytes: Buffer.byteLength(message.value), payloadBytes: Buffer.byteLength(JSON.stringify(sample.payload)) };
}
