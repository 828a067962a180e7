/**
 * The chaos run's users and events, and what each delivery must end as. Everything is drawn from
 * a seeded PRNG, so a seed gives the same workload (not the same timings).
 */
import { randomBytes } from 'node:crypto';
import type { Message } from 'kafkajs';
import { messageKey } from '../src/client/event-message';
import { MESSAGE_HEADERS } from '../src/contract/vocabulary';
import type { Channel, Priority } from '../src/contract/vocabulary';
import type { EventV2 } from '../src/contract/event-v2';
import { recipientIdOf } from '../src/recipients/resolve-recipient';
import { userProfileSchema, type UserProfile } from '../src/recipients/user-profile';
import { INVALID_PHONE } from './providers';

export const CHAOS_TEMPLATE = 'chaos-notice';
export const CHAOS_CHANNELS: readonly Channel[] = ['email', 'sms', 'push', 'in_app'];

/** What one delivery (event × recipient × channel) must end as. */
export type Expectation =
  /** Exactly one copy at the provider (or in the inbox). */
  | { outcome: 'deliver'; address: string }
  /** A bad address the provider refuses for good: a dead letter, nothing at the provider. */
  | { outcome: 'dlq'; address: string }
  /** Nothing anywhere: opted out, or no address for the channel. */
  | { outcome: 'none' };

/** One chaos user: its id and profile, as written with PUT /api/users/:id. */
export interface ChaosUser {
  id: string;
  profile: UserProfile;
}

/**
 * `count` users. Most have every address; some have a bad one (bounce mailbox, invalid number,
 * unregistered token), some opted out of SMS, some have no phone. Every address carries a secret
 * part (`secret`), so the log scan can look for it.
 */
export function chaosUsers(count: number, secret: string): ChaosUser[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `chaos-u${i}`;
    const phone = i % 41 === 7 ? INVALID_PHONE : `+1555${String(1_000_000 + i * 7)}`;
    const profile = userProfileSchema.parse({
      email: i % 37 === 5 ? `bounce-${secret}-u${i}@chaos.example.com` : `${secret}-u${i}@chaos.example.com`,
      ...(i % 13 === 6 ? {} : { phone }),
      pushTokens: [i % 43 === 9 ? `dead-${secret}-u${i}` : `tok-${secret}-u${i}`],
      locale: 'en',
      timeZone: i % 2 ? 'Europe/Paris' : 'America/New_York',
      preferences: i % 10 === 3 ? { channels: { sms: false } } : {},
    });
    return { id, profile };
  });
}

/** What a user-id recipient's delivery on `channel` must end as. */
export function expectForUser(user: ChaosUser, channel: Channel): Expectation {
  const p = user.profile;
  if (p.preferences.channels[channel] === false) return { outcome: 'none' };
  switch (channel) {
    case 'email':
      if (!p.email) return { outcome: 'none' };
      return p.email.startsWith('bounce-') ? { outcome: 'dlq', address: p.email } : { outcome: 'deliver', address: p.email };
    case 'sms':
      if (!p.phone) return { outcome: 'none' };
      return p.phone === INVALID_PHONE ? { outcome: 'dlq', address: p.phone } : { outcome: 'deliver', address: p.phone };
    case 'push': {
      const token = p.pushTokens[0];
      if (!token) return { outcome: 'none' };
      return token.startsWith('dead-') ? { outcome: 'dlq', address: token } : { outcome: 'deliver', address: token };
    }
    case 'in_app':
      return { outcome: 'deliver', address: user.id };
    default:
      return { outcome: 'none' };
  }
}

/** What a direct recipient (`email:…`, `phone:…`, `push:…`) must end as on `channel`. */
export function expectForDirect(recipient: string, channel: Channel): Expectation {
  const [scheme, ...rest] = recipient.split(':');
  const address = rest.join(':');
  const channelOf: Record<string, Channel> = { email: 'email', phone: 'sms', push: 'push' };
  return channelOf[scheme ?? ''] === channel ? { outcome: 'deliver', address } : { outcome: 'none' };
}

/** One produced event with its expectations, keyed `recipientId|channel`. */
export interface PlannedEvent {
  event: EventV2;
  expected: Map<string, Expectation>;
}

const PRIORITY_MIX: [Priority, number][] = [
  ['critical', 0.1],
  ['high', 0.2],
  ['normal', 0.5],
  ['low', 0.2],
];

function pick<T>(random: () => number, mix: [T, number][]): T {
  let r = random();
  for (const [value, weight] of mix) {
    if ((r -= weight) < 0) return value;
  }
  return mix[mix.length - 1]![0];
}

/**
 * The events of the run: mixed priorities, one to four channels, one or two recipients (users,
 * with one in eight a direct address). Every text carries `ref <event id>;` (the providers read it
 * back) and a per-event secret the log scan looks for.
 */
export function planEvents(count: number, users: readonly ChaosUser[], random: () => number, secret: string): PlannedEvent[] {
  const byId = new Map(users.map((u) => [u.id, u]));
  return Array.from({ length: count }, (_, seq) => {
    const channelCount = pick(random, [
      [1, 0.55],
      [2, 0.35],
      [3, 0.07],
      [4, 0.03],
    ]);
    const channels = [...CHAOS_CHANNELS].sort(() => random() - 0.5).slice(0, channelCount);
    const recipients = new Set<string>();
    const recipientCount = random() < 0.8 ? 1 : 2;
    while (recipients.size < recipientCount) {
      if (random() < 0.125) {
        const n = Math.floor(random() * 50);
        recipients.add(
          pick(random, [
            [`email:${secret}-d${n}@direct.example.com`, 1 / 3],
            [`phone:+1666${String(1_000_000 + n)}`, 1 / 3],
            [`push:tok-${secret}-d${n}`, 1 / 3],
          ]),
        );
      } else {
        recipients.add(users[Math.floor(random() * users.length)]!.id);
      }
    }
    const id = `chaos-${seq}-${randomBytes(4).toString('hex')}`;
    const event: EventV2 = {
      version: 2,
      id,
      type: random() < 0.5 ? 'transactional' : 'alert',
      priority: pick(random, PRIORITY_MIX),
      template: CHAOS_TEMPLATE,
      payload: { ref: id, body: `body-${secret}-${seq}` },
      recipients: [...recipients],
      channels,
      createdAt: new Date().toISOString(),
    };
    const expected = new Map<string, Expectation>();
    for (const recipient of event.recipients) {
      const user = byId.get(recipient);
      for (const channel of channels) {
        expected.set(`${recipientIdOf(recipient)}|${channel}`, user ? expectForUser(user, channel) : expectForDirect(recipient, channel));
      }
    }
    return { event, expected };
  });
}

/** The Kafka message of `event` as HeraldProducer sends it, `createdAt` stamped now. */
export function eventMessage(event: EventV2): Message {
  event.createdAt = new Date().toISOString();
  return { key: messageKey(event), value: JSON.stringify(event), headers: { ...MESSAGE_HEADERS } };
}

/** The same event again, as a producer retrying after a lost acknowledgement sends it. */
export function duplicateMessage(event: EventV2): Message {
  return { key: messageKey(event), value: JSON.stringify(event), headers: { ...MESSAGE_HEADERS } };
}
