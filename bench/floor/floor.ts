/**
 * The floor: the least a notification pipeline built on herald's own libraries must do for the
 * bench's events, run by the bench as a child process in place of the worker (bench/scenarios/floor.ts).
 * kafkajs `eachBatch` on the incoming topic (partitionsConsumedConcurrently 3, as herald); per batch
 * one Redis pipeline that claims every event's dedup key (`SET NX PX`) and reads every recipient's
 * profile; then per recipient an email through a nodemailer SMTP pool (maxConnections 5, herald's
 * default) rendered with handlebars from the same template, carrying what herald's carries (the text
 * and an HTML part made from it, a Message-ID and the event-id header: the same MIME message on the
 * wire, so nodemailer's work is the same on both sides), and an in-app `ZADD` into the inbox
 * set the bench counts, each with a delivery-record `HSET` before and after; offsets resolved after.
 * No validation, preferences, retries, status topic, metrics or logs: what is left is the cost of
 * the libraries doing the external work, the reference herald ÷ floor is measured against.
 * It speaks the worker's start-up protocol to the bench: a `herald started` line with its URL, and
 * `/readyz` answering 200 once it has joined its group.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Handlebars from 'handlebars';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type EachBatchPayload } from 'kafkajs';
import nodemailer from 'nodemailer';
import { loadEnv } from '../../src/config/env';
import { createKeys } from '../../src/redis/keys';
import { textToHtml } from '../../src/rendering/fallback';

type FloorEvent = { id: string; template: string; recipients: string[]; channels: string[]; payload: Record<string, unknown> };

// The worker's environment, as the bench sets it for herald (bench/stage.ts), read the way herald reads it.
const env = loadEnv();
if (!env.HERALD_CONFIG || !env.SMTP_URL) throw new Error('the floor needs HERALD_CONFIG and SMTP_URL (the bench sets them)');

const config = JSON.parse(readFileSync(env.HERALD_CONFIG, 'utf8')) as {
  kafka: { topics: { incoming: string } };
  templates: Record<string, { email: { subject: string; text: string } }>;
};
const keys = createKeys(env.HERALD_REDIS_PREFIX);
const redis = new Redis(env.REDIS_URL);
const transport = nodemailer.createTransport({ url: env.SMTP_URL, pool: true, maxConnections: 5 });
const templates = new Map(
  Object.entries(config.templates).map(([name, t]) => [name, { subject: Handlebars.compile(t.email.subject), text: Handlebars.compile(t.email.text) }]),
);
const DEDUP_TTL_MS = 86_400_000;

/** One delivery: a record before, the send, a record after. */
async function deliver(eventId: string, recipientId: string, channel: string, send: () => Promise<unknown>): Promise<void> {
  const key = keys.deliveries(eventId);
  const field = `${recipientId}|${channel}`;
  await redis.hset(key, field, JSON.stringify({ recipientId, channel, status: 'sending', updatedAt: new Date().toISOString() }));
  await send();
  await redis.hset(key, field, JSON.stringify({ recipientId, channel, status: 'sent', updatedAt: new Date().toISOString() }));
}

async function handleEvent(event: FloorEvent, profiles: Map<string, { email?: string }>): Promise<void> {
  const template = templates.get(event.template)!;
  const sends = [...new Set(event.recipients)].flatMap((recipientId) => [
    deliver(event.id, recipientId, 'email', () => {
      const text = template.text({ payload: event.payload });
      return transport.sendMail({
        from: 'herald@localhost',
        to: profiles.get(recipientId)?.email,
        subject: template.subject({ payload: event.payload }),
        text,
        // The HTML part herald derives from a template's plain text when the template has none.
        html: textToHtml(text),
        messageId: `<${event.id}.${recipientId}@floor>`,
        headers: { 'X-Herald-Event-Id': event.id },
      });
    }),
    deliver(event.id, recipientId, 'in_app', () => redis.zadd(keys.inboxDelivered(recipientId), Date.now(), `${event.id}|${recipientId}|in_app`)),
  ]);
  await Promise.all(sends);
}

async function eachBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
  const events = batch.messages.map((m) => JSON.parse(m.value!.toString('utf8')) as FloorEvent);
  const pipeline = redis.pipeline();
  events.forEach((event, i) => pipeline.set(keys.dedup(event.id), `${batch.topic}/${batch.partition}/${batch.messages[i]!.offset}`, 'PX', DEDUP_TTL_MS, 'NX'));
  const users = [...new Set(events.flatMap((e) => e.recipients))];
  for (const id of users) pipeline.get(keys.user(id));
  const replies = (await pipeline.exec())!;
  const profiles = new Map(users.map((id, i) => [id, JSON.parse(String(replies[events.length + i]![1])) as { email?: string }]));
  // A null reply: the key existed, a duplicate (the bench sends none, but the floor pays for the check).
  await Promise.all(events.map((event, i) => (replies[i]![1] === null ? undefined : handleEvent(event, profiles))));
  for (const m of batch.messages) resolveOffset(m.offset);
  await heartbeat();
}

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'herald-floor', brokers: env.KAFKA_BROKERS, logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId: env.KAFKA_GROUP_ID, maxWaitTimeInMs: 1000 });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  const server = http.createServer((req, res) => {
    res.statusCode = req.url === '/readyz' && !joined ? 503 : 200;
    res.end(req.url === '/readyz' ? (joined ? 'ready' : 'joining') : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await consumer.connect();
  await consumer.subscribe({ topic: config.kafka.topics.incoming, fromBeginning: true });
  await consumer.run({ autoCommit: true, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 3, eachBatch });
  const port = (server.address() as AddressInfo).port;
  console.log(JSON.stringify({ level: 'info', message: 'herald started', url: `http://127.0.0.1:${port}`, program: 'floor' }));
  const stop = async () => {
    await consumer.disconnect();
    transport.close();
    await redis.quit();
    server.close();
  };
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
