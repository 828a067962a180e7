import { z } from 'zod';
import { CHANNELS } from '../../contract/vocabulary';
import { locale } from '../fields';

const templateSchema = z
  .object({
    subject: z.string().optional().describe("Email subject. Default: `title`, else the payload's `title`, else the event type."),
    text: z
      .string()
      .optional()
      .describe("Plain-text body for email, SMS, push and in-app. Default: the payload's `message`, else its `body`, else its `title`."),
    html: z.string().optional().describe('HTML body for email; values are HTML-escaped. Default: `text` wrapped in `<p>`.'),
    title: z.string().optional().describe("Title for push and in-app. Default: `subject`, else the payload's `title`, else the event type."),
  })
  .strict();

const channel = z.enum(CHANNELS).meta({ title: 'channel' });

/** A template per channel, for translations and digests. */
const channelTemplates = z.partialRecord(channel, templateSchema.describe('The template of this channel.'));

/**
 * The templates of one name: a template per channel (the default locale's), and per locale the
 * channels that locale overrides. A delivery in `fr-CA` looks for `locales["fr-CA"]`, then
 * `locales.fr`, then the channel template itself.
 */
const templateSetSchema = z
  .object({
    email: templateSchema.optional().describe("Email template (subject, text, html). Default: none, the payload's `title` and `message` are sent."),
    sms: templateSchema.optional().describe("SMS template (text). Default: none, the payload's `message` is sent."),
    push: templateSchema.optional().describe("Push template (title, text). Default: none, the payload's `title` and `message` are sent."),
    in_app: templateSchema.optional().describe("In-app template (title, text). Default: none, the payload's `title` and `message` are sent."),
    webhook: templateSchema
      .optional()
      .describe("Webhook template (title, text: fields of the JSON body). Default: none, the payload's `title` and `message` are sent."),
    locales: z
      .record(locale.meta({ title: 'locale' }), channelTemplates.describe('The channel templates this locale overrides.'))
      .default({})
      .describe(
        'Translations: locale, then channel, then template. A delivery in `fr-CA` looks for `locales["fr-CA"]`, then `locales.fr`, then ' +
          'the channel template itself.',
      ),
  })
  .strict()
  .meta({
    description: 'The templates of one name, a template per channel.',
    // Names the channel keys (JSON Schema annotations only): docs/configuration.md lists a template's fields once, as `templates.<name>.<channel>.*`.
    propertyNames: { title: 'channel', description: "The template of one channel (the default locale's); the fields a channel does not use are ignored." },
  });

/** The template fields of the config: `templates`, `defaultLocale`, `digestTemplates`. */
export const templateFields = {
  templates: z
    .record(z.string().min(1).meta({ title: 'name' }), templateSetSchema)
    .default({})
    .describe(
      "Templates by name (an event's `template`, else its `type`), then by channel, with translations under `locales`. Handlebars, the payload as data.",
    ),
  defaultLocale: locale.default('en').describe('Locale of the channel templates themselves, the last step of every locale fallback.'),
  digestTemplates: channelTemplates
    .default({})
    .describe('Digest template per channel, rendered with `{ items, count, more }`; `items` holds the rendered entries.'),
};
