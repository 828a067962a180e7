import type { Channel } from '../contract/event-v1';
import type { EventV2 } from '../contract/event-v2';
import type { UserProfile } from './user-profile';

/** Whether a user's preferences let this event through on this channel, and if not, why. */
export type PreferenceVerdict = { allowed: true } | { allowed: false; reason: 'opted_out_channel' | 'opted_out_type' | 'opted_out_category' };

/**
 * Applies opt-outs. A channel opt-out always holds. Type and category opt-outs hold for
 * marketing always, and for transactional and alert events unless they are `critical`
 * (a password reset or a security alert must reach the user).
 */
export function checkPreferences(profile: UserProfile | null, event: Pick<EventV2, 'type' | 'priority' | 'category'>, channel: Channel): PreferenceVerdict {
  if (!profile) return { allowed: true };
  const prefs = profile.preferences;
  if (prefs.channels[channel] === false) return { allowed: false, reason: 'opted_out_channel' };
  const bypassesTypeOptOut = event.type !== 'marketing' && event.priority === 'critical';
  if (bypassesTypeOptOut) return { allowed: true };
  if (prefs.types[event.type] === false) return { allowed: false, reason: 'opted_out_type' };
  if (event.category && prefs.categories[event.category] === false) return { allowed: false, reason: 'opted_out_category' };
  return { allowed: true };
}
