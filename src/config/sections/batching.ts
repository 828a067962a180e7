import { z } from 'zod';
import { CHANNELS, PRIORITIES } from '../../contract/vocabulary';
import { cronExpression, positiveInt } from '../fields';
import { digestRuleSchema } from './digest-rules';

/** The `batching` block: digests, by rules or by the default schedule. */
export const batchingSchema = z
  .object({
    schedule: cronExpression
      .default('*/5 * * * *')
      .describe('Cron schedule of the digest flush of the default rules (every 5 minutes by default); a rule under `rules` sets its own `window`.'),
    maxBatch: positiveInt
      .max(1000)
      .default(50)
      .describe(
        'Most items listed in one digest of the default rules; past it a digest lists the oldest and counts the rest ("...and N more", all marked sent). ' +
          'A rule under `rules` sets its own `maxItems` and `overflow`.',
      ),
    channels: z.array(z.enum(CHANNELS)).default(['email']).describe('Channels the default rules batch: their deliveries of the `priorities` below.'),
    priorities: z
      .array(z.enum(PRIORITIES))
      .default(['normal', 'low'])
      .describe('Priorities that may be batched (each must also allow batching under `priorities`).'),
    claimLeaseMs: positiveInt.default(120_000).describe('How long a flush may hold a claimed batch before another worker takes it over, in ms.'),
    pollIntervalMs: positiveInt.max(60_000).default(1_000).describe('How often each worker looks for digest windows that have closed, in ms.'),
    rules: z
      .array(digestRuleSchema)
      .default([])
      .describe(
        'Digest rules, first match wins. When empty, one rule per channel in `channels` is derived from `schedule`, `maxBatch` and `priorities` ' +
          '(cron in UTC, grouped by type).',
      ),
  })
  .strict()
  .prefault({})
  .describe('Digests: deliveries that wait and go out together.');
