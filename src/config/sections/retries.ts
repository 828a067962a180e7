import { z } from 'zod';
import { positiveInt } from '../fields';

/** The `retries` block: how workers take due retries from the durable retry store. */
export const retriesSchema = z
  .object({
    pollIntervalMs: positiveInt.max(60_000).default(500).describe('How often each worker looks for due retries, in ms.'),
    claimLeaseMs: positiveInt.default(60_000).describe('How long a worker holds a claimed retry before another may take it over, in ms.'),
    claimBatch: positiveInt
      .max(1_000)
      .default(50)
      .describe("Most due retries one worker claims per channel at once; it claims only for free slots of the channel's `batchSize`."),
    maxRateWaitMs: z
      .number()
      .int()
      .min(0)
      .default(1_000)
      .describe('Longest a send waits in line for a rate-limit token before it is deferred to the retry store instead, in ms.'),
    detachAfterMs: positiveInt
      .default(1_000)
      .describe(
        "Longest an event's partition waits for one delivery's first attempt, in ms. Past it the attempt finishes in the background (a safety-net retry is " +
          'stored first) and later events go on.',
      ),
  })
  .strict()
  .prefault({})
  .describe('The durable retries (backoff per channel is `channels.<channel>.retry`).');
