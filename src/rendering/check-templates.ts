import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/event-v1';
import { TEMPLATE_FIELDS, createTemplateCompiler, type TemplateField } from './template-compiler';

/** One broken template field, found at start-up. */
export interface TemplateProblem {
  /** Config path, e.g. `templates.alert.email.subject`. */
  path: string;
  /** What is wrong and what to fix. */
  message: string;
}

type ChannelTemplates = Partial<Record<Channel, Partial<Record<TemplateField, string>>>>;

const SAMPLE_EVENT = { id: 'template-check', type: 'transactional', priority: 'normal', createdAt: '2026-01-01T00:00:00Z', locale: 'en', payload: {} };
const SAMPLE_DIGEST = { items: [{ title: 'Title', text: 'Text', eventId: 'template-check', type: 'transactional', createdAt: '2026-01-01T00:00:00Z' }], count: 1 };

/**
 * Compiles every configured template and digest template, and renders each once with sample
 * data (an empty payload) so unknown helpers show up too. Start-up refuses to run when the
 * list is not empty, so a broken template is a clear message instead of failed deliveries.
 */
export function checkTemplates(config: Pick<HeraldConfig, 'templates' | 'digestTemplates'>): TemplateProblem[] {
  const compiler = createTemplateCompiler();
  const problems: TemplateProblem[] = [];
  const check = (byChannel: ChannelTemplates, template: string | undefined, prefix: string, data: object) => {
    for (const [channel, fields] of Object.entries(byChannel) as [Channel, Partial<Record<TemplateField, string>>][]) {
      for (const field of TEMPLATE_FIELDS) {
        const source = fields[field];
        if (source === undefined) continue;
        const path = `${prefix}.${channel}.${field}`;
        try {
          compiler.compile({ template, channel, field, path }, source)(data);
        } catch (error) {
          problems.push({ path, message: (error as Error).message });
        }
      }
    }
  };
  for (const [name, byChannel] of Object.entries(config.templates)) check(byChannel, name, `templates.${name}`, SAMPLE_EVENT);
  check(config.digestTemplates, undefined, 'digestTemplates', SAMPLE_DIGEST);
  return problems;
}
