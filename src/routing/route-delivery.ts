import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/event-v1';
import type { EventV2 } from '../contract/event-v2';

/** `immediate`: dispatch now; `batch`: hand to the batching store for the next digest. */
export type Route = 'immediate' | 'batch';

/**
 * Decides the route of one delivery. `critical` and `high` always go out at once; `normal` and
 * `low` are batched only where config lists both the channel and the priority for batching and
 * the priority allows it.
 */
export function routeDelivery(event: Pick<EventV2, 'priority'>, channel: Channel, config: Pick<HeraldConfig, 'batching' | 'priorities'>): Route {
  const { batching, priorities } = config;
  const batchable = priorities[event.priority].batchingAllowed && batching.priorities.includes(event.priority) && batching.channels.includes(channel);
  return batchable ? 'batch' : 'immediate';
}
