import { z } from 'zod';
import { PRIORITIES } from '../../contract/vocabulary';
import { duration, positiveInt } from '../fields';

const HOUR = 3_600_000;

const prioritySchema = z
  .object({
    maxLatencyMs: positiveInt.describe('Latency budget from `createdAt` to send, in ms (used by alerts and metrics).'),
    batchingAllowed: z.boolean().describe('Whether deliveries of this priority may wait for a digest.'),
    maxAge: duration
      .optional()
      .describe(
        'Events older than this when herald gets to them (age from `sendAt`, else `createdAt`) are dropped, each delivery recorded `skipped` with reason ' +
          '`stale`. Omit to never drop.',
      ),
  })
  .strict()
  .describe('What this priority promises.');

/** The `priorities` block: what each priority promises. Given, it lists all four. */
export const prioritiesSchema = z
  .record(z.enum(PRIORITIES).meta({ title: 'priority' }), prioritySchema)
  .default({
    critical: { maxLatencyMs: 5_000, batchingAllowed: false, maxAge: HOUR },
    high: { maxLatencyMs: 30_000, batchingAllowed: false, maxAge: 6 * HOUR },
    normal: { maxLatencyMs: 600_000, batchingAllowed: true, maxAge: 24 * HOUR },
    low: { maxLatencyMs: 3_600_000, batchingAllowed: true, maxAge: 72 * HOUR },
  })
  .describe('Latency budget, batching and staleness of each priority; when given, it lists all four.');
