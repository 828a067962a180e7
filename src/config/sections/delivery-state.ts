import { z } from 'zod';
import { positiveInt } from '../fields';

/** The `deliveryState` block: how long the state of each delivery is kept. */
export const deliveryStateSchema = z
  .object({
    retentionSeconds: positiveInt
      .default(604_800)
      .describe('How long delivery state stays queryable (`herald status`, the HTTP API), in seconds (604800 is 7 days).'),
  })
  .strict()
  .prefault({})
  .describe('The recorded state of each delivery.');
