import { z } from 'zod';
import { positiveInt } from '../fields';

/** The `heartbeat` block. */
export const heartbeatSchema = z
  .object({
    intervalMs: positiveInt
      .default(5_000)
      .describe('How often each worker writes its heartbeat and breaker states to Redis (read by `herald breakers`), in ms.'),
  })
  .strict()
  .prefault({})
  .describe("Each worker's heartbeat in Redis.");
