import { channelDigestRule } from '../digests/digest-rules';
import type { FrequencyCaps } from './frequency-caps';
import type { HeraldConfig } from '../config/schema';
import type { EventV2 } from '../contract/event-v2';
import { quietHoursEnd } from '../recipients/quiet-hours-gate';
import type { DeliveryPlan } from './plan-deliveries';

/** What the gates need. */
export interface GateDeps {
  caps: Pick<FrequencyCaps, 'check'>;
  config: Pick<HeraldConfig, 'batching' | 'priorities' | 'quietHours'>;
}

/**
 * Applies, to every delivery about to be sent or batched, the checks that depend on time and on
 * history: the frequency caps first (a delivery over a cap is dropped or folded into the channel's
 * next digest, per the cap), then quiet hours (a delivery that would go out now inside the
 * recipient's quiet hours waits for their end; a batched one is checked when its digest goes out).
 * Other plans pass through unchanged.
 */
export async function gateDeliveries(event: EventV2, plans: DeliveryPlan[], now: number, deps: GateDeps): Promise<DeliveryPlan[]> {
  return Promise.all(
    plans.map(async (plan): Promise<DeliveryPlan> => {
      if (plan.action !== 'dispatch' && plan.action !== 'batch') return plan;
      const { recipient, channel } = plan;
      const capped = await deps.caps.check(event, recipient.recipientId, channel);
      if (!capped.allowed) {
        const { cap, count } = capped;
        const why = `frequency cap ${cap.name}: ${count} of ${cap.max} in the window already`;
        if (cap.onExceed === 'digest') {
          const rule = channelDigestRule(channel, deps.config);
          if (rule) return { action: 'batch', recipient, channel, rule, reason: 'frequency_capped' };
          return {
            action: 'skip',
            recipientId: recipient.recipientId,
            channel,
            reason: 'frequency_capped',
            detail: `${why}; no digest rule covers ${channel} to fold it into, so it was dropped (add one under batching.rules)`,
          };
        }
        return { action: 'skip', recipientId: recipient.recipientId, channel, reason: 'frequency_capped', detail: why };
      }
      if (plan.action === 'dispatch') {
        const until = quietHoursEnd(recipient.profile, event.priority, channel, deps.config, now);
        if (until !== null)
          return { action: 'defer', recipient, channel, until, reason: 'quiet_hours', detail: `inside the recipient's quiet hours; sent when they end` };
      }
      return plan;
    }),
  );
}
