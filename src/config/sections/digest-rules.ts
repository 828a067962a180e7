import { z } from 'zod';
import { CHANNELS, EVENT_TYPES, PRIORITIES } from '../../contract/vocabulary';
import { cronExpression, duration, ianaTimeZone, positiveInt, slug } from '../fields';

/** When a digest window closes: every fixed interval, or at the times of a cron expression. */
const digestWindowSchema = z
  .object({
    every: duration.optional().describe('Fixed windows of this length, aligned to the Unix epoch (e.g. "15m": :00, :15, :30, :45 UTC). Give this or `cron`.'),
    cron: cronExpression
      .optional()
      .describe('Windows closing at each time of this cron expression, e.g. "0 9 * * *" for daily at 09:00. Give this or `every`.'),
    timeZone: z
      .union([z.literal('recipient'), ianaTimeZone])
      .default('UTC')
      .describe('Time zone of `cron`: an IANA zone, or "recipient" for each recipient\'s own (their profile\'s `timeZone`).'),
  })
  .strict()
  .refine((w) => (w.every === undefined) !== (w.cron === undefined), {
    message: 'give exactly one of every or cron, e.g. { every: "15m" } or { cron: "0 9 * * *", timeZone: "recipient" }',
  });

/** One digest rule: which deliveries wait for a digest, how they group, when the window closes. */
export const digestRuleSchema = z
  .object({
    name: slug.optional().describe('Rule name, part of every digest id of the rule. Default: `<channel>-<types joined by "+", or "all">`.'),
    channel: z.enum(CHANNELS).describe('Channel the rule batches.'),
    types: z.array(z.enum(EVENT_TYPES)).min(1).optional().describe('Event types it batches. Default: every type.'),
    categories: z.array(z.string().min(1)).min(1).optional().describe('Event categories it batches. Default: every category.'),
    priorities: z.array(z.enum(PRIORITIES)).min(1).default(['normal', 'low']).describe('Priorities it batches (each must allow batching under `priorities`).'),
    window: digestWindowSchema.describe('When the window closes and the digest goes out.'),
    groupBy: z
      .array(z.enum(['type', 'category', 'template']))
      .default(['type'])
      .describe('Besides recipient and channel, what separates digests: any of type, category, template.'),
    maxItems: positiveInt.max(1000).default(50).describe('Most items listed in one digest.'),
    overflow: z
      .enum(['summarize', 'split'])
      .default('summarize')
      .describe(
        'Past `maxItems`: `summarize` sends one digest listing the oldest `maxItems` and counting the rest (`{{more}}`); `split` ' +
          'sends as many digests as needed.',
      ),
    template: z
      .string()
      .min(1)
      .optional()
      .describe('Template name (under `templates`) rendered with `{ items, count, more }`. Default: `digestTemplates.<channel>`, else a plain list.'),
  })
  .strict()
  .describe('A digest rule: which deliveries wait for a digest, how they group, when the window closes.');

/** A digest rule as configured, defaults filled. */
export type DigestRuleConfig = z.infer<typeof digestRuleSchema>;
