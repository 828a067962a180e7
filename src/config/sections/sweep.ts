import { z } from 'zod';
import { positiveInt } from '../fields';

/** The `sweep` block: the periodic search for work a dead worker left behind. */
export const sweepSchema = z
  .object({
    intervalMs: positiveInt.default(60_000).describe('How often one worker (a Redis lock elects it) looks for stuck work, in ms.'),
    stuckAfterMs: positiveInt
      .default(300_000)
      .describe('A delivery still `pending` or `sending` (lease expired) this long after its last change is re-queued, in ms.'),
    lateAfterMs: positiveInt.default(60_000).describe('A scheduled event this far past due is fired by the sweep, in ms.'),
    batch: positiveInt.max(100_000).default(1_000).describe('Most items one sweep handles of each kind.'),
  })
  .strict()
  .prefault({})
  .describe('The sweep that finds work a crashed worker left behind.');
