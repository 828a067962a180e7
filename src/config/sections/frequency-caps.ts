import { z } from 'zod';
import { CHANNELS, EVENT_TYPES, PRIORITIES } from '../../contract/vocabulary';
import { duration, positiveInt, slug } from '../fields';

/** One frequency cap: at most `max` matching events per recipient in any sliding `window`. */
const frequencyCapSchema = z
  .object({
    name: slug.describe('Cap name, part of its Redis key and metrics.'),
    types: z.array(z.enum(EVENT_TYPES)).min(1).optional().describe('Event types it counts. Default: every type.'),
    categories: z.array(z.string().min(1)).min(1).optional().describe('Event categories it counts. Default: every category.'),
    channels: z
      .array(z.enum(CHANNELS))
      .min(1)
      .optional()
      .describe('Channels it applies to. Default: every channel. An event counts once however many channels it uses.'),
    max: positiveInt.describe('Most matching events per recipient in the window.'),
    window: duration.describe('Length of the sliding window, e.g. "1d" or "1h".'),
    onExceed: z
      .enum(['drop', 'digest'])
      .default('drop')
      .describe("Over the cap: `drop` (recorded `skipped`, reason `frequency_capped`) or `digest` (folded into the channel's next digest)."),
    bypassPriorities: z.array(z.enum(PRIORITIES)).default(['critical']).describe('Priorities never capped.'),
  })
  .strict()
  .describe('A frequency cap: at most `max` matching events per recipient in any sliding `window`.');

/** A frequency cap as configured, defaults filled. */
export type FrequencyCapConfig = z.infer<typeof frequencyCapSchema>;

/** The `frequencyCaps` list. */
export const frequencyCapsSchema = z
  .array(frequencyCapSchema)
  .default([])
  .describe('Frequency caps, each counted per recipient in Redis and shared by all workers.');
