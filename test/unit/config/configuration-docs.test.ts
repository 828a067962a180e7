import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describeSchema } from '../../../src/config/describe-schema';
import { envSchema } from '../../../src/config/env';
import { configSchema } from '../../../src/config/schema';
import { rowsBelow, type Row } from '../../../scripts/config-docs/schema-rows';
import { configStyle } from '../../../scripts/config-docs/value-text';
import { CONFIG_DOCS_FILE, renderConfigDocs } from '../../../scripts/write-config-docs';

const generated = renderConfigDocs();
const rowsOf = (schema: z.ZodType) => rowsBelow(describeSchema(schema), '', configStyle);
const row = (rows: Row[], at: string) => rows.find((r) => r.path === at);
/** The table line of a key in the generated document. */
const lineOf = (key: string) => generated.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));

describe('docs/configuration.md', () => {
  it('the checked-in file equals the document generated from the config schema', () => {
    const checkedIn = readFileSync(path.resolve(__dirname, '../../..', CONFIG_DOCS_FILE), 'utf8');
    if (checkedIn !== generated) {
      const have = checkedIn.split('\n');
      const want = generated.split('\n');
      const line = Array.from({ length: Math.max(have.length, want.length) }, (_, i) => i).find((i) => have[i] !== want[i]) ?? 0;
      throw new Error(
        `${CONFIG_DOCS_FILE} is out of date; run npm run docs:config and commit the file.\n` +
          `First difference at line ${line + 1}: file has ${JSON.stringify(have[line])}, the schema gives ${JSON.stringify(want[line])}`,
      );
    }
  });

  it('says how the config is loaded and checked, and that the file is generated', () => {
    expect(generated).toMatch(/^# Configuration\n/);
    for (const words of ['config/notification-config.ts', 'HERALD_CONFIG', 'herald config check', 'do not edit', 'npm run docs:config'])
      expect(generated).toContain(words);
  });

  it('has a section per top-level key of the config, and one for the environment listing every variable', () => {
    for (const key of Object.keys(configSchema.shape)) expect(generated).toContain(`\n## ${key}\n`);
    const environment = generated.slice(generated.indexOf('\n## Environment variables\n'));
    for (const name of Object.keys(envSchema.shape)) expect(environment).toContain(`| \`${name}\` |`);
  });

  it('writes nested keys as dotted paths, map entries under a placeholder, list items with [], each with type, default and meaning', () => {
    expect(lineOf('channels.<channel>.retry.baseDelayMs')).toBe(
      '| `channels.<channel>.retry.baseDelayMs` | integer ≥ 1 | `1000` | Cap of the first backoff window, in ms, at most `maxDelayMs`; each retry doubles ' +
        'it, and the wait is a random point in it (full jitter). |',
    );
    expect(lineOf('channels.sms.maxSegments')).toContain('| integer 1–10 | `4` |');
    expect(lineOf('channels.webhook.endpoints.<name>')).toContain('| URL |');
    expect(lineOf('templates.<name>.locales.<locale>.<channel>.subject')).toContain('| string | — |');
    expect(lineOf('batching.rules[].window.every')).toContain('| duration | — |');
    expect(lineOf('frequencyCaps[].max')).toContain('| integer ≥ 1 | required |');
    expect(lineOf('scheduling.maxHorizon')).toContain('| duration | `31536000000` (365d) |');
    expect(lineOf('priorities.<priority>.maxAge')).toContain('critical: `3600000` (1h), high: `21600000` (6h), normal: `86400000` (1d), low: `259200000` (3d)');
    expect(lineOf('KAFKA_BROKERS')).toContain('| string | `127.0.0.1:9092` |');
  });

  it("lists the fields sibling blocks share once, under the placeholder their parent names, and each block's own after it", () => {
    const shared = z
      .object({
        a: z.object({ x: z.number().default(1).describe('X.'), y: z.string().optional().describe('Y, default none.') }).describe('A.'),
        b: z.object({ x: z.number().default(1).describe('X.') }).describe('B.'),
      })
      .meta({ description: 'Both.', propertyNames: { title: 'letter', description: 'Every letter.' } });
    expect(rowsOf(z.object({ s: shared })).map((r) => `${r.path} ${r.default}`)).toEqual(['s ', 's.<letter> ', 's.<letter>.x `1`', 's.a ', 's.a.y —', 's.b ']);
  });

  it('refuses to document a field without a description or a map whose keys have no name, saying which and how to fix it', () => {
    expect(() => rowsOf(z.object({ a: z.object({ b: z.number() }).describe('A.') }))).toThrow("a.b has no description; add .describe('…') to it in src/config");
    expect(() => rowsOf(z.object({ m: z.record(z.string(), z.number().describe('N.')).describe('M.') }))).toThrow(
      "m: the keys of this map have no title; give its key schema .meta({ title: '…' })",
    );
    const named = rowsOf(
      z.object({
        m: z
          .record(z.string().meta({ title: 'id' }), z.number().describe('N.'))
          .default({})
          .describe('M.'),
      }),
    );
    expect(row(named, 'm.<id>')).toEqual({ path: 'm.<id>', type: 'number', default: '', meaning: 'N.' });
  });
});
