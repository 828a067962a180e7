import { z } from 'zod';
import { positiveInt } from '../fields';

/** The `dedup` block: how long herald remembers an event, and a delivery's send lease. */
export const dedupSchema = z
  .object({
    ttlSeconds: positiveInt.default(86_400).describe("How long an event's deduplication key is remembered, in seconds (86400 is 24 h)."),
    sendLeaseMs: positiveInt.default(60_000).describe("How long a delivery's send lease lasts before another worker may take it over, in ms."),
  })
  .strict()
  .prefault({})
  .describe('Deduplication of events and of sends.');
