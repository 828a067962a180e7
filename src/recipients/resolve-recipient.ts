import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Channel } from '../contract/vocabulary';
import type { UserDirectory } from './user-directory';
import { e164, type UserProfile } from './user-profile';

/** A recipient ready for delivery: a log-safe id, its addresses per channel, and its profile if it is a user. */
export interface ResolvedRecipient {
  /** The user id, or `direct:<hash>` for a direct address (logs and state never hold the address). */
  recipientId: string;
  kind: 'user' | 'direct';
  /** The entry of the event's `recipients` this came from (kept to resolve it again for a digest). */
  source: string;
  profile: UserProfile | null;
  addresses: Partial<Record<Channel, string[]>>;
  locale: string;
}

/** Why a recipient string could not be resolved; recorded on every requested channel. */
export interface UnresolvedRecipient {
  recipientId: string;
  reason: 'unknown_user' | 'invalid_address';
  detail: string;
}

const DIRECT = { email: 'email', phone: 'sms', push: 'push' } as const;

/** Webhook endpoints from config (`channels.webhook`): partners by name, and per-user URLs. */
export interface WebhookDirectory {
  endpoints: Record<string, string>;
  users: Record<string, string>;
}

const NO_WEBHOOKS: WebhookDirectory = { endpoints: {}, users: {} };
const email = z.email();

function directId(recipient: string): string {
  return `direct:${createHash('sha256').update(recipient).digest('hex').slice(0, 16)}`;
}

/**
 * The recipient id an entry of an event's `recipients` resolves to, without the directory: the
 * user id, the `webhook:<name>` entry, or `direct:<hash>` of a direct address. A replayed dead
 * letter names only the id; this finds the entry it came from.
 */
export function recipientIdOf(recipient: string): string {
  return /^(email|phone|push):/.test(recipient) ? directId(recipient) : recipient;
}

function resolveDirect(scheme: keyof typeof DIRECT, address: string, recipient: string): ResolvedRecipient | UnresolvedRecipient {
  const recipientId = directId(recipient);
  const valid = scheme === 'email' ? email.safeParse(address).success : scheme === 'phone' ? e164.safeParse(address).success : address.length > 0;
  if (!valid) return { recipientId, reason: 'invalid_address', detail: `the ${scheme} address after "${scheme}:" is not valid` };
  return { recipientId, kind: 'direct', source: recipient, profile: null, addresses: { [DIRECT[scheme]]: [address] }, locale: 'en' };
}

function userAddresses(userId: string, profile: UserProfile, webhooks: WebhookDirectory): Partial<Record<Channel, string[]>> {
  // Own entries only: a user id such as "constructor" or "__proto__" must not find Object's prototype.
  const webhook = Object.hasOwn(webhooks.users, userId) ? webhooks.users[userId] : undefined;
  return {
    email: profile.email ? [profile.email] : [],
    sms: profile.phone ? [profile.phone] : [],
    push: profile.pushTokens,
    in_app: [userId],
    webhook: webhook ? [webhook] : [],
  };
}

/** `webhook:<name>` reaches a partner endpoint named in config; its URL never comes from the event. */
function resolveWebhook(name: string, recipient: string, webhooks: WebhookDirectory): ResolvedRecipient | UnresolvedRecipient {
  const url = Object.hasOwn(webhooks.endpoints, name) ? webhooks.endpoints[name] : undefined;
  if (!url)
    return { recipientId: recipient, reason: 'invalid_address', detail: `no webhook endpoint "${name}" in channels.webhook.endpoints; add it to the config` };
  return { recipientId: recipient, kind: 'direct', source: recipient, profile: null, addresses: { webhook: [url] }, locale: 'en' };
}

/**
 * Resolves one entry of an event's `recipients`: `email:…`, `phone:…` and `push:…` are direct
 * addresses, `webhook:<name>` a partner endpoint from config; anything else is a user id looked up
 * in the directory (and in `channels.webhook.users` for its webhook URL).
 */
export async function resolveRecipient(
  recipient: string,
  directory: UserDirectory,
  webhooks: WebhookDirectory = NO_WEBHOOKS,
): Promise<ResolvedRecipient | UnresolvedRecipient> {
  const hook = /^webhook:(.*)$/s.exec(recipient);
  if (hook) return resolveWebhook(hook[1]!.trim(), recipient, webhooks);
  const match = /^(email|phone|push):(.*)$/s.exec(recipient);
  if (match) return resolveDirect(match[1] as keyof typeof DIRECT, match[2]!.trim(), recipient);
  const profile = await directory.get(recipient);
  if (!profile)
    return { recipientId: recipient, reason: 'unknown_user', detail: `no user "${recipient}" in the directory; create it with PUT /api/users/${recipient}` };
  return { recipientId: recipient, kind: 'user', source: recipient, profile, addresses: userAddresses(recipient, profile, webhooks), locale: profile.locale };
}

/**
 * Resolves a recipient again for one channel, when a retry or a digest comes due: its current
 * addresses there (a phone changed, a token pruned), or why it has none now.
 */
export async function resolveForChannel(
  recipient: string,
  channel: Channel,
  directory: UserDirectory,
  webhooks: WebhookDirectory = NO_WEBHOOKS,
): Promise<{ recipient: ResolvedRecipient; to: string[] } | { reason: string }> {
  const resolved = await resolveRecipient(recipient, directory, webhooks);
  if (!isResolved(resolved)) return { reason: resolved.reason };
  const to = resolved.addresses[channel] ?? [];
  return to.length > 0 ? { recipient: resolved, to } : { reason: 'no_address' };
}

/** Narrows a resolution result. */
export function isResolved(r: ResolvedRecipient | UnresolvedRecipient): r is ResolvedRecipient {
  return 'kind' in r;
}
