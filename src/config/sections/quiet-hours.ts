import { z } from 'zod';
import { CHANNELS, PRIORITIES } from '../../contract/vocabulary';

/** The `quietHours` block: which channels respect a user's quiet hours (set in their preferences). */
export const quietHoursSchema = z
  .object({
    channels: z
      .array(z.enum(CHANNELS))
      .default(['sms', 'push'])
      .describe("Channels that respect users' quiet hours; the default ones are those that wake people."),
    bypassPriorities: z.array(z.enum(PRIORITIES)).default(['critical']).describe('Priorities that go through quiet hours.'),
  })
  .strict()
  .prefault({})
  .describe("Users' quiet hours (each user sets theirs, in their own time zone).");
