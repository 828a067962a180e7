import type { EventV1 } from './event-v1';
import type { EventV2 } from './event-v2';

/**
 * The one place where older event versions become the current one.
 * v1 has no template, locale or category: the type's template and the recipient's locale apply,
 * and the type doubles as the category so category opt-outs still work.
 */
export function upcastV1(event: EventV1): EventV2 {
  return { version: 2, ...event, category: event.type };
}
