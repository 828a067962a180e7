import type { DigestRuleConfig, HeraldConfig } from '../config/schema';
import type { Channel, EventType, Priority } from '../contract/vocabulary';
import { windowEndOf } from './digest-window';

/** A digest rule with its name settled (config `batching.rules`, or the shorthand's derived rules). */
export type DigestRule = DigestRuleConfig & { name: string };

/** What a rule looks at in an event. */
export interface RuleEvent {
  priority: Priority;
  type?: EventType;
  category?: string;
  template?: string;
}

type BatchingConfig = Pick<HeraldConfig, 'batching' | 'priorities'>;
const cache = new WeakMap<object, DigestRule[]>();

/**
 * The digest rules of a config, first match wins. With no `batching.rules`, the shorthand
 * (`channels`, `priorities`, `schedule`, `maxBatch`) gives one rule per channel: cron in UTC,
 * grouped by type. Memoised per config object.
 */
export function digestRulesOf(config: BatchingConfig): DigestRule[] {
  const known = cache.get(config.batching);
  if (known) return known;
  const { batching } = config;
  const rules: DigestRule[] =
    batching.rules.length > 0
      ? batching.rules.map((r) => ({ ...r, name: r.name ?? `${r.channel}-${r.types?.join('+') ?? 'all'}` }))
      : batching.channels.map((channel) => ({
          name: `${channel}-default`,
          channel,
          priorities: batching.priorities,
          window: { cron: batching.schedule, timeZone: 'UTC' },
          groupBy: ['type'],
          maxItems: batching.maxBatch,
          overflow: 'summarize',
        }));
  cache.set(config.batching, rules);
  return rules;
}

/** The rule that batches this delivery, or undefined when it goes out at once. `batchingAllowed: false` always wins. */
export function digestRuleFor(event: RuleEvent, channel: Channel, config: BatchingConfig): DigestRule | undefined {
  if (!config.priorities[event.priority].batchingAllowed) return undefined;
  return digestRulesOf(config).find(
    (r) =>
      r.channel === channel &&
      r.priorities.includes(event.priority) &&
      (!r.types || (event.type !== undefined && r.types.includes(event.type))) &&
      (!r.categories || (event.category !== undefined && r.categories.includes(event.category))),
  );
}

/** The first rule of a channel whatever the event, for deliveries a frequency cap folds into the next digest. */
export function channelDigestRule(channel: Channel, config: BatchingConfig): DigestRule | undefined {
  return digestRulesOf(config).find((r) => r.channel === channel);
}

/**
 * What one digest collects: rule, recipient and channel, plus the rule's `groupBy` fields. The
 * window is not part of it, so every window of a group shares one Redis hash tag (and one memory of
 * batched event ids).
 */
export function groupKeyOf(rule: DigestRule, recipientId: string, channel: Channel, event: RuleEvent): string {
  const parts = [rule.name, recipientId, channel];
  for (const field of rule.groupBy) {
    if (field === 'type') parts.push(event.type ?? '-');
    else if (field === 'category') parts.push(event.category ?? '-');
    else parts.push(event.template ?? event.type ?? '-');
  }
  return parts.join('|');
}

/** When the rule's window holding an item that arrives at `arrivalMs` closes, in the recipient's zone if the rule says so. */
export function windowEndFor(rule: DigestRule, arrivalMs: number, recipientTimeZone: string): number {
  return windowEndOf({ every: rule.window.every, cron: rule.window.cron, timeZone: rule.window.timeZone }, arrivalMs, recipientTimeZone);
}
