import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/event-v1';
import type { TemplateField } from './template-compiler';

/** One channel's template: the fields it sets. */
export type ChannelTemplate = Partial<Record<TemplateField, string>>;

/** The channel template a delivery uses, and where it came from. */
export interface ResolvedTemplate {
  template: ChannelTemplate;
  /** Locale the template is written in: the `locales` key that matched (as spelled in the config), else `defaultLocale`. */
  locale: string;
  /** Config path of the channel template, e.g. `templates.welcome.locales.fr.email` or `templates.welcome.email`. */
  path: string;
}

/**
 * The locales to try, most specific first: the requested tag and each shorter prefix
 * (`zh-Hant-TW`, `zh-Hant`, `zh`), then `defaultLocale`. An underscore (`fr_CA`, as some
 * platforms send) counts as a dash; duplicates are dropped ignoring case.
 */
export function localeCandidates(locale: string | undefined, defaultLocale: string): string[] {
  const chain: string[] = [];
  const add = (tag: string) => {
    if (tag !== '' && !chain.some((c) => c.toLowerCase() === tag.toLowerCase())) chain.push(tag);
  };
  let tag = (locale ?? '').trim().replace(/_/g, '-');
  while (tag !== '') {
    add(tag);
    const cut = tag.lastIndexOf('-');
    tag = cut > 0 ? tag.slice(0, cut) : '';
  }
  add(defaultLocale);
  return chain;
}

/** The key of `locales` equal to `tag` ignoring case (config keys are BCP 47, which is case-insensitive). */
function findLocaleKey(locales: Record<string, unknown>, tag: string): string | undefined {
  const wanted = tag.toLowerCase();
  return Object.keys(locales).find((key) => key.toLowerCase() === wanted);
}

/**
 * Picks the channel template of `name` for `locale`: `locales[locale]`, then each shorter prefix,
 * then `locales[defaultLocale]`, then the channel template itself (written in `defaultLocale`).
 * A locale supplies the whole channel template, never single fields: a half-translated message
 * (French subject, English body) is worse than a consistent English one.
 * Returns undefined when the name has no template for the channel in any locale.
 */
export function resolveTemplate(config: Pick<HeraldConfig, 'templates' | 'defaultLocale'>, name: string, channel: Channel, locale?: string): ResolvedTemplate | undefined {
  // Own properties only: an event type such as "constructor" must not find Object's prototype.
  const set = Object.hasOwn(config.templates, name) ? config.templates[name] : undefined;
  if (!set) return undefined;
  const locales = set.locales ?? {};
  for (const candidate of localeCandidates(locale, config.defaultLocale)) {
    const key = findLocaleKey(locales, candidate);
    const template = key === undefined ? undefined : locales[key]?.[channel];
    if (key !== undefined && template) return { template, locale: key, path: `templates.${name}.locales.${key}.${channel}` };
  }
  const base = Object.hasOwn(set, channel) ? set[channel] : undefined;
  return base ? { template: base, locale: config.defaultLocale, path: `templates.${name}.${channel}` } : undefined;
}
