import { z } from 'zod';
import { duration, positiveInt } from '../fields';

/** The `scheduling` block: events sent later (`sendAt`, `delay`). */
export const schedulingSchema = z
  .object({
    pollIntervalMs: positiveInt.max(60_000).default(500).describe('How often each worker looks for scheduled events (`sendAt`, `delay`) that are due, in ms.'),
    claimLeaseMs: positiveInt.default(60_000).describe('How long a worker holds a due scheduled event before another may take it over, in ms.'),
    claimBatch: positiveInt.max(1_000).default(100).describe('Most due scheduled events one worker takes per poll.'),
    maxHorizon: duration
      .default(365 * 86_400_000)
      .describe('Farthest ahead an event may be scheduled; a later one is refused (recorded `failed`, reason `send_at_too_far`).'),
  })
  .strict()
  .prefault({})
  .describe('Events scheduled for later (`sendAt`, `delay`).');
