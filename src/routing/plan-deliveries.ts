import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import { refusalOf } from '../recipients/preferences';
import { isResolved, type ResolvedRecipient, type UnresolvedRecipient } from '../recipients/resolve-recipient';
import { digestRuleFor, type DigestRule } from '../digests/digest-rules';

/** What happens to one (recipient, channel) pair of an event. */
export type DeliveryPlan =
  | { action: 'dispatch'; recipient: ResolvedRecipient; channel: Channel }
  | { action: 'batch'; recipient: ResolvedRecipient; channel: Channel; rule: DigestRule; reason?: string }
  | { action: 'defer'; recipient: ResolvedRecipient; channel: Channel; until: number; reason: string; detail: string }
  | { action: 'skip'; recipientId: string; channel: Channel; reason: string; detail: string }
  | { action: 'fail'; recipientId: string; channel: Channel; reason: string; detail: string };

const ADDRESS_FIELD: Record<Channel, string> = { email: 'email', sms: 'phone', push: 'pushTokens', in_app: 'id', webhook: 'webhook URL' };

/**
 * Decides, for every recipient and requested channel, whether to dispatch now, batch, skip
 * (opt-out, disabled channel) or fail (unknown user, no address). Pure: nothing is lost silently,
 * every pair gets a plan that the caller records.
 */
export function planDeliveries(
  event: EventV2,
  recipients: (ResolvedRecipient | UnresolvedRecipient)[],
  config: Pick<HeraldConfig, 'channels' | 'batching' | 'priorities'>,
): DeliveryPlan[] {
  const plans: DeliveryPlan[] = [];
  const channels = [...new Set(event.channels)];
  for (const recipient of recipients) {
    for (const channel of channels) {
      if (!isResolved(recipient)) {
        plans.push({ action: 'fail', recipientId: recipient.recipientId, channel, reason: recipient.reason, detail: recipient.detail });
        continue;
      }
      const base = { recipientId: recipient.recipientId, channel };
      const refused = refusalOf(recipient.profile, event, channel, config);
      if (refused) {
        plans.push({ action: 'skip', ...base, ...refused });
        continue;
      }
      if ((recipient.addresses[channel] ?? []).length === 0) {
        const detail =
          recipient.kind === 'direct'
            ? `a direct address reaches only its own channel, not ${channel}`
            : channel === 'webhook'
              ? `user has no webhook URL; add it under channels.webhook.users in the config`
              : `user has no ${ADDRESS_FIELD[channel]}; add it with PUT /api/users/${recipient.recipientId}`;
        plans.push({ action: 'fail', ...base, reason: 'no_address', detail });
        continue;
      }
      const rule = digestRuleFor(event, channel, config);
      plans.push(rule ? { action: 'batch', recipient, channel, rule } : { action: 'dispatch', recipient, channel });
    }
  }
  return plans;
}
