import { Cron } from 'croner';
import type { Producer } from 'kafkajs';
import type { HeraldProducer } from '../../src/client/herald-producer';
import type { EventInput } from '../../src/contract/complete-event';
import { expectStatus, type Api } from './api';

/** The demo's users, registered with `PUT /api/users/:id`. */
export const USERS = [
  {
    id: 'u_alice',
    note: 'email, phone, one push token',
    profile: { email: 'alice@example.com', phone: '+14155550101', pushTokens: ['demo-device-token-alice'], timeZone: 'Europe/Paris' },
  },
  { id: 'u_bob', note: 'email; opted out of marketing', profile: { email: 'bob@example.com', preferences: { types: { marketing: false } } } },
  {
    id: 'u_carol',
    note: 'email, phone; opted out of SMS',
    profile: { email: 'carol@example.com', phone: '+14155550103', preferences: { channels: { sms: false } } },
  },
];

/** One thing the demo sent to herald, and what it expects back. */
export interface Published {
  label: string;
  via: 'HeraldProducer' | 'POST /api/notify' | 'raw kafkajs';
  /** `type/priority`, or what the message is when it is not an event. */
  kind: string;
  /** `recipients → channels`. */
  route: string;
  /** The notification id to query; absent for the malformed message, which never becomes one. */
  id?: string;
  /** Deliveries herald should record: recipients × channels; 0 for a dropped duplicate. */
  expected: number;
  /** Label of the earlier event with the same deduplicationKey. */
  duplicateOf?: string;
}

type Labelled = { label: string; input: EventInput & { id: string }; duplicateOf?: string };

const describe = (e: EventInput) => ({ kind: `${e.type}/${e.priority}`, route: `${e.recipients.join(', ')} → ${e.channels.join(', ')}` });

/** herald records one delivery per distinct recipient and channel. */
const deliveryCount = (e: EventInput) => new Set(e.recipients).size * new Set(e.channels).size;

function toPublished(via: Published['via'], e: Labelled): Published {
  const { input } = e;
  const expected = e.duplicateOf ? 0 : deliveryCount(input);
  return { label: e.label, via, ...describe(input), id: input.id, expected, duplicateOf: e.duplicateOf };
}

/**
 * Events the producer publishes one by one, in this order. Ids are readable (they name the outbox
 * files) and unique per run.
 */
function immediateEvents(run: string): Labelled[] {
  const id = (label: string) => `demo-${label}-${run}`;
  const receipt = (eventId: string): Labelled['input'] => ({
    id: eventId,
    type: 'transactional',
    priority: 'high',
    template: 'receipt',
    recipients: ['u_bob'],
    channels: ['email'],
    deduplicationKey: 'order-1042-receipt',
    payload: { order: '#1042', total: '€42.00' },
  });
  const newsletter = { headline: 'Spring sale', summary: 'Everything 20% off this week.' };
  return [
    {
      label: 'password-reset',
      input: {
        id: id('password-reset'),
        type: 'transactional',
        priority: 'critical',
        template: 'password-reset',
        recipients: ['u_alice'],
        channels: ['email'],
        payload: { name: 'Alice', url: 'https://example.com/reset/7Hq2' },
      },
    },
    {
      label: 'security-alert',
      input: {
        id: id('security-alert'),
        type: 'alert',
        priority: 'high',
        recipients: ['u_alice'],
        channels: ['email', 'in_app', 'push', 'sms'],
        payload: { title: 'New sign-in', message: 'Your account was used from Lisbon, PT. Not you? Reset your password.' },
      },
    },
    { label: 'receipt', input: receipt(id('receipt')) },
    // Same deduplicationKey, new id: what a producer retrying after a timeout would send.
    { label: 'receipt (again)', duplicateOf: 'receipt', input: receipt(id('receipt-again')) },
    // Also u_bob, so it lands on the receipts' partition after them: once it is settled, both receipts were handled.
    {
      label: 'newsletter (bob)',
      input: {
        id: id('newsletter-bob'),
        type: 'marketing',
        priority: 'normal',
        template: 'newsletter',
        recipients: ['u_bob'],
        channels: ['email'],
        payload: newsletter,
      },
    },
    {
      label: 'welcome (direct)',
      input: {
        id: id('welcome'),
        type: 'transactional',
        priority: 'high',
        template: 'welcome',
        recipients: ['email:someone@example.com'],
        channels: ['email'],
        payload: { name: 'Someone', url: 'https://example.com/start' },
      },
    },
    {
      label: 'unknown user',
      input: {
        id: id('unknown-user'),
        type: 'alert',
        priority: 'high',
        recipients: ['u_nobody'],
        channels: ['email', 'sms'],
        payload: { title: 'Disk almost full', message: 'Volume /data is 95% full.' },
      },
    },
  ];
}

/** Two normal-priority emails to one user: batched, then sent together in one digest. */
function batchedEvents(run: string): Labelled[] {
  return [
    {
      label: 'order-shipped',
      input: {
        id: `demo-order-shipped-${run}`,
        type: 'transactional',
        priority: 'normal',
        template: 'order-shipped',
        recipients: ['u_alice'],
        channels: ['email'],
        payload: { order: '#1042', carrier: 'DHL' },
      },
    },
    {
      label: 'newsletter (alice)',
      input: {
        id: `demo-newsletter-alice-${run}`,
        type: 'marketing',
        priority: 'normal',
        template: 'newsletter',
        recipients: ['u_alice'],
        channels: ['email'],
        payload: { headline: 'Spring sale', summary: 'Everything 20% off this week.' },
      },
    },
  ];
}

/** Waits, if a digest flush is under 1.5 s away, until just after it: the batched pair must land in one digest, not straddle two. */
async function clearOfNextFlush(schedule: string): Promise<void> {
  const cron = new Cron(schedule, { paused: true });
  const ms = cron.msToNext() ?? Infinity;
  cron.stop();
  if (ms < 1500) await new Promise((r) => setTimeout(r, ms + 250));
}

/** What {@link publishScenario} sends with. */
export interface ScenarioDeps {
  producer: HeraldProducer;
  /** A plain kafkajs producer, for the message that is not an event at all. */
  raw: Producer;
  api: Api;
  incomingTopic: string;
  schedule: string;
  run: string;
}

/** Publishes every demo event in a fixed order and returns what was sent. */
export async function publishScenario(deps: ScenarioDeps): Promise<Published[]> {
  const published: Published[] = [];
  for (const e of immediateEvents(deps.run)) {
    await deps.producer.publish(e.input);
    published.push(toPublished('HeraldProducer', e));
  }
  await clearOfNextFlush(deps.schedule);
  const pair = batchedEvents(deps.run);
  await deps.producer.publishMany(pair.map((e) => e.input));
  published.push(...pair.map((e) => toPublished('HeraldProducer', e)));

  // The short form: no id, createdAt or version; herald fills them and answers with the id.
  const short: EventInput = {
    type: 'alert',
    priority: 'critical',
    recipients: ['u_carol'],
    channels: ['in_app', 'sms'],
    payload: { title: 'Deploy finished', message: 'api v2.3.1 is live in production.' },
  };
  const { id } = await expectStatus<{ id: string }>(deps.api, 202, 'POST', '/api/notify', short);
  published.push({ label: 'deploy-finished', via: 'POST /api/notify', ...describe(short), id, expected: deliveryCount(short) });

  await deps.raw.send({
    topic: deps.incomingTopic,
    messages: [{ key: 'demo-malformed', value: '{"type": "alert", "priority": "high", "recipients": ["u_alice"' }],
  });
  published.push({ label: 'malformed', via: 'raw kafkajs', kind: 'not an event', route: `truncated JSON → ${deps.incomingTopic}`, expected: 0 });
  return published;
}

/** Registers the demo users over HTTP. */
export async function registerUsers(api: Api): Promise<void> {
  for (const user of USERS) await expectStatus(api, 200, 'PUT', `/api/users/${user.id}`, user.profile);
}
