import { z } from 'zod';
import { CHANNELS } from '../../contract/vocabulary';

const utmSchema = z
  .object({
    utm_source: z.string().min(1).max(100).describe('`utm_source`, e.g. "herald".'),
    utm_medium: z.string().min(1).max(100).describe('`utm_medium`, e.g. "email" or "push".'),
  })
  .strict()
  .describe("The tracking parameters of this channel's links.");

/** The `attribution` block: UTM parameters added to the links of messages. */
export const attributionSchema = z
  .object({
    channels: z
      .partialRecord(z.enum(CHANNELS).meta({ title: 'channel' }), utmSchema)
      .default({})
      .describe('Tracking parameters added to links, per channel. A channel not listed keeps its links unchanged.'),
    campaignFrom: z.enum(['template', 'type']).default('template').describe('Where `utm_campaign` comes from: the template name or the event type.'),
    domains: z.array(z.string().min(1)).min(1).optional().describe('Hosts whose links get parameters (subdomains included). Default: every http(s) link.'),
  })
  .strict()
  .prefault({})
  .describe('UTM parameters added to the links of messages.');
