import type { HeraldConfig } from '../config/schema';
import { CHANNELS, type Channel } from '../contract/vocabulary';
import { unsafeUrlAttributes } from './check-url-attributes';
import { TEMPLATE_FIELDS, createTemplateCompiler, type TemplateField } from './template-compiler';

/** One broken template field, found at start-up. */
export interface TemplateProblem {
  /** Config path, e.g. `templates.alert.email.subject`. */
  path: string;
  /** What is wrong and what to fix. */
  message: string;
}

type ChannelTemplates = Partial<Record<Channel, Partial<Record<TemplateField, string>>>>;

const SAMPLE_EVENT = {
  id: 'template-check',
  type: 'transactional',
  priority: 'normal',
  createdAt: '2026-01-01T00:00:00Z',
  locale: 'en',
  recipientLocale: 'en',
  payload: {},
};
const SAMPLE_ITEM = { title: 'Title', text: 'Text', eventId: 'template-check', type: 'transactional', createdAt: '2026-01-01T00:00:00Z' };
const SAMPLE_DIGEST = { items: [SAMPLE_ITEM], count: 2, listed: 1, more: 1, locale: 'en', recipientLocale: 'en' };

/**
 * Compiles every configured template (each translation under `locales` too) and digest template,
 * and renders each once with sample data (an empty payload) so unknown helpers show up too; an
 * `html` field must put values at the start of a link only through `{{url …}}` (see unsafeUrlAttributes).
 * Start-up refuses to run when the list is not empty, so a broken template is a clear message
 * instead of failed deliveries.
 */
export function checkTemplates(config: Pick<HeraldConfig, 'templates' | 'digestTemplates'> & Partial<Pick<HeraldConfig, 'defaultLocale'>>): TemplateProblem[] {
  const compiler = createTemplateCompiler();
  const problems: TemplateProblem[] = [];
  const check = (byChannel: ChannelTemplates, ref: { template?: string; locale?: string; prefix: string }, data: object) => {
    for (const channel of CHANNELS) {
      const fields = Object.hasOwn(byChannel, channel) ? byChannel[channel] : undefined;
      for (const field of TEMPLATE_FIELDS) {
        const source = fields?.[field];
        if (source === undefined) continue;
        const path = `${ref.prefix}.${channel}.${field}`;
        try {
          compiler.compile({ template: ref.template, locale: ref.locale, channel, field, path }, source)(data);
        } catch (error) {
          problems.push({ path, message: (error as Error).message });
        }
        if (field === 'html') for (const message of unsafeUrlAttributes(source)) problems.push({ path, message: `${message}. Fix ${path} in the config.` });
      }
    }
  };
  for (const [name, set] of Object.entries(config.templates)) {
    check(set, { template: name, locale: config.defaultLocale, prefix: `templates.${name}` }, SAMPLE_EVENT);
    for (const [locale, byChannel] of Object.entries(set.locales ?? {})) {
      check(byChannel, { template: name, locale, prefix: `templates.${name}.locales.${locale}` }, SAMPLE_EVENT);
    }
  }
  check(config.digestTemplates, { locale: config.defaultLocale, prefix: 'digestTemplates' }, SAMPLE_DIGEST);
  return problems;
}
