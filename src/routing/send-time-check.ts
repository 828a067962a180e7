import type { FrequencyCaps } from './frequency-caps';
import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import { refusalOf } from '../recipients/preferences';
import { quietHoursEnd } from '../recipients/quiet-hours-gate';
import type { ResolvedRecipient } from '../recipients/resolve-recipient';
import type { SendTimeVerdict } from '../retries/retry-poller';

export type { SendTimeVerdict };

/** What {@link checkAtSendTime} reads. */
export interface SendTimeDeps {
  caps: Pick<FrequencyCaps, 'check'>;
  config: Pick<HeraldConfig, 'channels' | 'quietHours'>;
}

/**
 * The checks every send repeats right before the provider call, whoever queued it (a retry, a
 * breaker deferral, a slow send's safety net, a replay from the DLQ): the channel is still
 * enabled, the person has not opted out since (channel, type, category), the frequency caps still
 * allow it, and it is not inside their quiet hours now. Only the first try had these checks
 * before; a retry went out hours later to someone who had opted out meanwhile, and nothing
 * stopped a retry item written by anything but the planner. Sending marketing to an opted-out
 * person is a legal problem for herald's users, not a glitch.
 *
 * A cap counts each event once (frequency-cap.lua is idempotent per event id), so a retry of an
 * event that was counted on its first try passes, and only a delivery that never counted can be
 * capped here (a cap added since, or a try queued without a plan). Over a cap the delivery is
 * skipped: folding a retry into a digest would send it in a window it was never part of.
 */
export async function checkAtSendTime(
  event: EventV2,
  recipient: ResolvedRecipient,
  channel: Channel,
  nowMs: number,
  deps: SendTimeDeps,
): Promise<SendTimeVerdict> {
  const refused = refusalOf(recipient.profile, event, channel, deps.config);
  if (refused) return { action: 'skip', ...refused };
  const capped = await deps.caps.check(event, recipient.recipientId, channel);
  if (!capped.allowed)
    return {
      action: 'skip',
      reason: 'frequency_capped',
      detail: `frequency cap ${capped.cap.name}: ${capped.count} of ${capped.cap.max} in the window already`,
    };
  const until = quietHoursEnd(recipient.profile, event.priority, channel, deps.config, nowMs);
  if (until !== null) return { action: 'defer', until, reason: 'quiet_hours', detail: "inside the recipient's quiet hours; sent when they end" };
  return { action: 'send' };
}
