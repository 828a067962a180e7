import { z } from 'zod';
import { literalPrivateEndpoints } from '../../shared/private-address';
import { httpUrl, positiveInt } from '../fields';
import { channelFields } from './channel-settings';

const endpointName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'endpoint names use letters, digits, dot, dash, underscore')
  .meta({ title: 'name' });

const webhookSchema = z
  .object({
    ...channelFields,
    endpoints: z
      .record(endpointName, httpUrl.describe("URL the endpoint's webhooks are posted to."))
      .default({})
      .describe('Partner endpoints by name (1 to 64 letters, digits, dots, dashes, underscores); an event reaches one with the recipient `webhook:<name>`.'),
    users: z
      .record(z.string().min(1).meta({ title: 'userId' }), httpUrl.describe("URL the user's webhooks are posted to."))
      .default({})
      .describe('Per-user endpoints: user id to URL, used when an event for that user asks for `webhook`.'),
    allowPrivateAddresses: z
      .boolean()
      .default(false)
      .describe(
        'Send webhooks to loopback, private, link-local and other non-public addresses too (127/8, 10/8, 172.16/12, 192.168/16, 169.254/16, 100.64/10, ' +
          '::1, fc00::/7, fe80::/10…). ' +
          'Off, an endpoint whose URL holds such an IP is refused here, and a delivery to a host resolving to one fails for good ' +
          '(`webhook_private_address`) when connecting. ' +
          'Turn it on only for receivers on your own network.',
      ),
  })
  .strict()
  .superRefine((webhook, ctx) => {
    for (const problem of literalPrivateEndpoints(webhook)) ctx.addIssue({ code: 'custom', ...problem });
  });

/** The channels block; each channel may add its own fields to the common ones (./channel-settings.ts). */
export const channelsSchema = z
  .object({
    email: z.object(channelFields).strict().prefault({}).describe('Email: SMTP (`SMTP_URL`), else `.eml` files in the outbox.'),
    sms: z
      .object({
        ...channelFields,
        maxSegments: positiveInt
          .max(10)
          .default(4)
          .describe('Most segments (160 GSM-7 or 70 UCS-2 characters each) one SMS may take; a longer one is refused before sending.'),
      })
      .strict()
      .prefault({})
      .describe('SMS: Twilio (`TWILIO_*`), else files in the outbox.'),
    push: z
      .object({
        ...channelFields,
        maxTitleLength: positiveInt.max(1000).default(65).describe('Longest push title, in characters; a longer one is cut with "…" (Android shows about 65).'),
        maxBodyLength: positiveInt.max(4000).default(240).describe('Longest push body, in characters; a longer one is cut with "…".'),
      })
      .strict()
      .prefault({})
      .describe('Push: Firebase Cloud Messaging (`GOOGLE_APPLICATION_CREDENTIALS`), else files in the outbox.'),
    in_app: z
      .object({
        ...channelFields,
        inboxCap: positiveInt.max(10_000).default(100).describe('Inbox entries kept per user in Redis; the oldest are dropped first.'),
      })
      .strict()
      .prefault({})
      .describe("In-app: each user's inbox in Redis, read through the HTTP API."),
    webhook: webhookSchema.prefault({}).describe('Webhooks: signed POSTs (Standard Webhooks, `HERALD_WEBHOOK_SECRETS`) to partner and user endpoints.'),
  })
  .strict()
  .prefault({})
  .meta({
    description: 'Delivery settings of each channel.',
    // Names the keys (JSON Schema annotations only): docs/configuration.md lists the fields all channels share once, as `channels.<channel>.*`.
    propertyNames: { title: 'channel', description: 'The settings every channel has (email, sms, push, in_app, webhook); each channel adds its own below.' },
  });
