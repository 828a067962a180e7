import { z } from 'zod';
import { describeSchema, type SchemaNode } from '../../../src/config/describe-schema';
import { envSchema } from '../../../src/config/env';
import { configSchema } from '../../../src/config/schema';

const config = describeSchema(configSchema);
const env = describeSchema(envSchema);

/** What a field must say when it is optional and has no default: what happens without it. */
const SAYS_UNSET = /\b(default|unset|omit|give this or)\b/i;

/**
 * Every problem of the self-description below `node`: a field (a property, a map's entry, the fields
 * of a list's objects) without a description, a map whose keys have no title (the document's
 * placeholder), an optional field without a default that does not say what its absence means.
 */
function undescribed(node: SchemaNode, path: string): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const at = path ? `${path}.${key}` : key;
    if (!child.description) out.push(`${at}: no description`);
    else if (!('default' in child) && !node.required?.includes(key) && !SAYS_UNSET.test(child.description))
      out.push(`${at}: optional without a default, and its description does not say what leaving it out means`);
    out.push(...undescribed(child, at));
  }
  if (typeof node.additionalProperties === 'object') {
    const at = `${path}.<${node.propertyNames?.title ?? '?'}>`;
    if (!node.propertyNames?.title) out.push(`${path}: the keys of this map have no title`);
    if (!node.additionalProperties.description) out.push(`${at}: no description`);
    out.push(...undescribed(node.additionalProperties, at));
  }
  if (node.items) out.push(...undescribed(node.items, `${path}[]`));
  for (const option of node.anyOf ?? []) out.push(...undescribed(option, path));
  return out;
}

/** Whether the defaults the JSON Schema shows are the values an empty config gets, field by field. */
function defaultMismatches(node: SchemaNode, value: unknown, path: string): string[] {
  if (value === undefined) return 'default' in node ? [`${path}: shows default ${JSON.stringify(node.default)} but an empty config leaves it unset`] : [];
  if (node.properties) {
    return Object.entries(node.properties).flatMap(([key, child]) =>
      defaultMismatches(child, (value as Record<string, unknown>)[key], path ? `${path}.${key}` : key),
    );
  }
  return JSON.stringify(node.default) === JSON.stringify(value)
    ? []
    : [`${path}: shows default ${JSON.stringify(node.default)}, an empty config gets ${JSON.stringify(value)}`];
}

describe('every config field describes itself (zod descriptions, JSON Schema defaults)', () => {
  it('gives every field of the config a description, every map key a title, every optional field what its absence means', () => {
    expect(undescribed(config, '')).toEqual([]);
  });

  it('gives every environment variable a description', () => {
    expect(undescribed(env, '')).toEqual([]);
    expect(Object.keys(env.properties ?? {})).toEqual(Object.keys(envSchema.shape));
  });

  it('finds what is missing: a field without a description, a map without a key title, an unexplained optional field', () => {
    const sloppy = z.object({
      a: z.object({ b: z.number().default(1), c: z.string().optional().describe('C.') }).describe('A.'),
      m: z.record(z.string(), z.object({ d: z.boolean().describe('D.') })).describe('M.'),
      l: z.array(z.object({ e: z.string() })).describe('L.'),
    });
    expect(undescribed(describeSchema(sloppy), '')).toEqual([
      'a.b: no description',
      'a.c: optional without a default, and its description does not say what leaving it out means',
      'm: the keys of this map have no title',
      'm.<?>: no description',
      'l[].e: no description',
    ]);
  });

  it('shows as default exactly what an empty config gets, durations and the priorities map included (zod drops those in input mode)', () => {
    expect(defaultMismatches(config, configSchema.parse({}), '')).toEqual([]);
    const properties = config.properties!;
    expect(properties.scheduling!.properties!.maxHorizon!.default).toBe(365 * 86_400_000);
    expect(properties.priorities!.default).toMatchObject({ critical: { maxLatencyMs: 5_000, maxAge: 3_600_000 } });
  });

  it('shows as default of each environment variable the text that parses to what an unset variable gets', () => {
    const unset = envSchema.parse({});
    for (const [name, node] of Object.entries(env.properties ?? {})) {
      const key = name as keyof typeof unset;
      if (!('default' in node)) expect({ name, value: unset[key] }).toEqual({ name, value: undefined });
      else expect({ name, value: envSchema.parse({ [name]: String(node.default) })[key] }).toEqual({ name, value: unset[key] });
    }
  });
});
