import { digestRuleFor, type RuleEvent } from '../digests/digest-rules';
import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/event-v1';

/** `immediate`: dispatch now; `batch`: hand to the batching store for the next digest. */
export type Route = 'immediate' | 'batch';

/**
 * Decides the route of one delivery. `critical` and `high` go out at once by default; a delivery
 * is batched only when a digest rule (config `batching.rules`, or the `batching` shorthand) matches
 * its channel, priority, type and category, and its priority allows batching.
 */
export function routeDelivery(event: RuleEvent, channel: Channel, config: Pick<HeraldConfig, 'batching' | 'priorities'>): Route {
  return digestRuleFor(event, channel, config) ? 'batch' : 'immediate';
}
