import { z } from 'zod';
import { positiveInt } from '../fields';

/** The `shutdown` block. */
export const shutdownSchema = z
  .object({
    timeoutMs: positiveInt.default(15_000).describe('Longest a SIGTERM shutdown may take before the process exits anyway, in ms.'),
  })
  .strict()
  .prefault({})
  .describe('Graceful shutdown on SIGTERM.');
