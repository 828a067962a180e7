import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import type { UserProfile } from './user-profile';

/** Whether a user's preferences let this event through on this channel, and if not, why. */
export type PreferenceVerdict = { allowed: true } | { allowed: false; reason: 'opted_out_channel' | 'opted_out_type' | 'opted_out_category' };

/** Whether `prefs` holds `false` for `key` as its own entry: a category named "constructor" or "toString" is a name, not Object's. */
function optedOut(prefs: Partial<Record<string, boolean>>, key: string): boolean {
  return Object.hasOwn(prefs, key) && prefs[key] === false;
}

/**
 * Applies opt-outs. A channel opt-out always holds. Type and category opt-outs hold for
 * marketing always, and for transactional and alert events unless they are `critical`
 * (a password reset or a security alert must reach the user).
 */
export function checkPreferences(profile: UserProfile | null, event: Pick<EventV2, 'type' | 'priority' | 'category'>, channel: Channel): PreferenceVerdict {
  if (!profile) return { allowed: true };
  const prefs = profile.preferences;
  if (optedOut(prefs.channels, channel)) return { allowed: false, reason: 'opted_out_channel' };
  const bypassesTypeOptOut = event.type !== 'marketing' && event.priority === 'critical';
  if (bypassesTypeOptOut) return { allowed: true };
  if (optedOut(prefs.types, event.type)) return { allowed: false, reason: 'opted_out_type' };
  if (event.category && optedOut(prefs.categories, event.category)) return { allowed: false, reason: 'opted_out_category' };
  return { allowed: true };
}

/** Why a delivery may not go out at all, recorded as `skipped`. */
export interface Refusal {
  reason: 'channel_disabled' | Extract<PreferenceVerdict, { allowed: false }>['reason'];
  detail: string;
}

/**
 * Whether a delivery may go out on this channel at all: the channel is enabled in the config and
 * the person has not opted out of it, of the event's type or of its category. Asked when an event
 * is planned and again right before every later try (a retry, a replay, a digest), since the config
 * and the person's mind may both have changed meanwhile. Null when it may go.
 */
export function refusalOf(
  profile: UserProfile | null,
  event: Pick<EventV2, 'type' | 'priority' | 'category'>,
  channel: Channel,
  config: Pick<HeraldConfig, 'channels'>,
): Refusal | null {
  if (!config.channels[channel].enabled) return { reason: 'channel_disabled', detail: `channels.${channel}.enabled is false in the config` };
  const verdict = checkPreferences(profile, event, channel);
  return verdict.allowed ? null : { reason: verdict.reason, detail: 'the recipient opted out' };
}
