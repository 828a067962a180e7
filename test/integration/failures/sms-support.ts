import { randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { HeraldProducer } from '../../../src/client/herald-producer';
import type { HeraldConfig } from '../../../src/config/schema';
import type { Logger } from '../../../src/shared/logger';
import { TEST_REDIS_URL, deleteKeys as deleteRedisKeys, freePort, testKafka, uniqueName } from '../../support/infra';
import { readWholeTopic } from '../../support/read-topic';
import { api, startTestService, type TestService } from '../../support/service-harness';
import type { TwilioRequestRecord, TwilioServer } from '../../support/twilio-server';

/** The sender herald texts from in these tests. */
export const SMS_FROM = '+14155550100';

/** Fails when `text` holds the phone number in any form a message could quote it: E.164, without the plus, national digits. */
export function expectNoPhone(text: string, phone: string): void {
  expect(text).not.toContain(phone);
  expect(text).not.toContain(phone.slice(1));
  expect(text).not.toContain(phone.slice(2));
}

/** A herald sending SMS through the local Twilio server, with a public URL Twilio's callbacks are signed for. */
export interface SmsHerald extends TestService {
  /** `http://127.0.0.1:<port>`, as HERALD_PUBLIC_URL. */
  publicUrl: string;
  producer: HeraldProducer;
  /** Stops the producer, then the service. */
  close(): Promise<void>;
}

/** Starts the real service with Twilio as the SMS provider (same prefix and group id restart the same worker). */
export async function startSmsHerald(options: {
  config: HeraldConfig;
  twilio: TwilioServer;
  logger?: Logger;
  prefix?: string;
  groupId?: string;
}): Promise<SmsHerald> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const herald = await startTestService({
    config: options.config,
    logger: options.logger,
    prefix: options.prefix,
    groupId: options.groupId,
    httpPort: port,
    env: {
      TWILIO_ACCOUNT_SID: options.twilio.accountSid,
      TWILIO_AUTH_TOKEN: options.twilio.authToken,
      TWILIO_FROM: SMS_FROM,
      TWILIO_API_BASE_URL: options.twilio.url,
      HERALD_PUBLIC_URL: publicUrl,
    },
  });
  const producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
  await producer.connect();
  return {
    ...herald,
    publicUrl,
    producer,
    async close() {
      await producer.disconnect();
      await herald.stop();
    },
  };
}

/** A user of one test alone, with a phone number no other user has. */
export async function smsUser(herald: TestService, label: string): Promise<{ id: string; phone: string }> {
  const id = uniqueName(label);
  const phone = `+1415${randomInt(1_000_000, 10_000_000)}`;
  const stored = await api(herald.service, 'PUT', `/api/users/${id}`, { phone });
  if (stored.status !== 200) throw new Error(`PUT /api/users/${id} answered ${stored.status}: ${JSON.stringify(stored.body)}`);
  return { id, phone };
}

/** Publishes one SMS event for `recipientId`. */
export function publishSms(herald: SmsHerald, recipientId: string): Promise<{ id: string }> {
  return herald.producer.publish({
    type: 'transactional',
    priority: 'high',
    recipients: [recipientId],
    channels: ['sms'],
    payload: { title: 'Code', message: 'Your code is 4711' },
  });
}

/** Messages API requests for one number, in arrival order. */
export const requestsTo = (twilio: TwilioServer, phone: string): TwilioRequestRecord[] => twilio.requests.filter((r) => r.form.To === phone);

/** The status changes published for one event, in order (one event's changes share a partition). */
export async function statusChangesOf(statusTopic: string, eventId: string): Promise<Record<string, any>[]> {
  return (await readWholeTopic(statusTopic)).filter((m) => m.key === eventId).map((m) => m.value as Record<string, any>);
}

/** A delivery record as `GET /api/notifications/:id` shows it. */
export async function smsDelivery(herald: TestService, eventId: string): Promise<Record<string, any> | undefined> {
  const body = (await api(herald.service, 'GET', `/api/notifications/${eventId}`)).body as { deliveries?: Record<string, any>[] } | null;
  return body?.deliveries?.find((d) => d.channel === 'sms');
}

/** The value of one sample in Prometheus text, matched by name and labels in any order; undefined when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(labels).length) return Number(match[3]);
  }
  return undefined;
}

/** GET /metrics as text. */
export async function metricsText(herald: TestService): Promise<string> {
  const response = await fetch(`${herald.service.url}/metrics`);
  return response.text();
}

/** Deletes every Redis key a test service wrote under `prefix`. */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    await deleteRedisKeys(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
