import type { HeraldConfig } from '../config/schema';
import type { Channel, Priority } from '../contract/vocabulary';
import { quietUntil } from '../time/quiet-hours';
import type { UserProfile } from './user-profile';

/**
 * When a delivery must wait for the end of the recipient's quiet hours: epoch ms, or null when it
 * may go now. Only channels listed in `quietHours.channels` wait (by default SMS and push, the ones
 * that wake people), and never the priorities in `quietHours.bypassPriorities` (critical).
 */
export function quietHoursEnd(
  profile: UserProfile | null,
  priority: Priority,
  channel: Channel,
  config: Pick<HeraldConfig, 'quietHours'>,
  nowMs: number,
): number | null {
  if (!profile?.quietHours) return null;
  if (!config.quietHours.channels.includes(channel) || config.quietHours.bypassPriorities.includes(priority)) return null;
  return quietUntil(nowMs, profile.timeZone, profile.quietHours);
}
