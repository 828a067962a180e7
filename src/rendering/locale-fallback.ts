import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/vocabulary';
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
 * Linear in the tag's length: each prefix is a slice of the tag (no copy), found by searching back
 * from the previous cut.
 */
export function localeCandidates(locale: string | undefined, defaultLocale: string): string[] {
  const tag = (locale ?? '').trim().replace(/_/g, '-');
  const chain: string[] = [];
  for (let end = tag.length; end > 0; end = tag.lastIndexOf('-', end - 1)) chain.push(tag.slice(0, end));
  // Prefixes differ in length, so none repeats another: only defaultLocale can repeat one
  // (`fr-CA` with defaultLocale `fr`), and only one of the same length needs comparing.
  const fallback = defaultLocale.toLowerCase();
  const repeated = chain.some((c) => c.length === defaultLocale.length && c.toLowerCase() === fallback);
  if (defaultLocale !== '' && !repeated) chain.push(defaultLocale);
  return chain;
}

/**
 * A lookup of `locales` keys ignoring case (config keys are BCP 47, which is case-insensitive).
 * A tag longer than every key cannot match one, so it is skipped without lowercasing it: a long
 * requested tag costs one length comparison per prefix.
 */
function localeKeyFinder(locales: Record<string, unknown>): (tag: string) => string | undefined {
  const byLowerCase = new Map<string, string>();
  let longest = 0;
  for (const key of Object.keys(locales)) {
    if (!byLowerCase.has(key.toLowerCase())) byLowerCase.set(key.toLowerCase(), key);
    longest = Math.max(longest, key.length);
  }
  return (tag) => (tag.length > longest ? undefined : byLowerCase.get(tag.toLowerCase()));
}

/**
 * Picks the channel template of `name` for `locale`: `locales[locale]`, then each shorter prefix,
 * then `locales[defaultLocale]`, then the channel template itself (written in `defaultLocale`).
 * A locale supplies the whole channel template, never single fields: a half-translated message
 * (French subject, English body) is worse than a consistent English one.
 * Returns undefined when the name has no template for the channel in any locale.
 */
export function resolveTemplate(
  config: Pick<HeraldConfig, 'templates' | 'defaultLocale'>,
  name: string,
  channel: Channel,
  locale?: string,
): ResolvedTemplate | undefined {
  // Own properties only: an event type such as "constructor" must not find Object's prototype.
  const set = Object.hasOwn(config.templates, name) ? config.templates[name] : undefined;
  if (!set) return undefined;
  const locales = set.locales ?? {};
  const findKey = localeKeyFinder(locales);
  for (const candidate of localeCandidates(locale, config.defaultLocale)) {
    const key = findKey(candidate);
    const template = key === undefined ? undefined : locales[key]?.[channel];
    if (key !== undefined && template) return { template, locale: key, path: `templates.${name}.locales.${key}.${channel}` };
  }
  const base = Object.hasOwn(set, channel) ? set[channel] : undefined;
  return base ? { template: base, locale: config.defaultLocale, path: `templates.${name}.${channel}` } : undefined;
}
