/**
 * Writes docs/configuration.md, the reference of every config field and environment variable:
 *   npm run docs:config
 * Generated from the zod schemas (src/config/schema.ts and its sections, src/config/env.ts): each
 * field's `.describe()` is its meaning, its `.default()` its default. Checked in;
 * test/unit/config/configuration-docs.test.ts fails when the file no longer matches the schemas.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describeSchema, type SchemaNode } from '../src/config/describe-schema';
import { envSchema } from '../src/config/env';
import { VALUE_TYPES } from '../src/config/fields';
import { configSchema } from '../src/config/schema';
import { rowsBelow, rowsOf, type Row } from './config-docs/schema-rows';
import { configStyle, envStyle } from './config-docs/value-text';

/** Where the document is published, relative to the repository root. */
export const CONFIG_DOCS_FILE = path.join('docs', 'configuration.md');

const INTRO =
  `# Configuration

<!-- Generated from src/config by scripts/write-config-docs.ts: do not edit; run npm run docs:config. -->

herald reads its configuration from \`config/notification-config.ts\` (a module whose default export is \`defineConfig({ … })\`), or from the file the ` +
  `environment variable \`HERALD_CONFIG\` names instead (JSON, or a JS/TS module with a default export). The config is validated when a worker starts and by ` +
  `\`npx herald config check [file]\`: a mistake stops the service with a message naming the field and the fix, and every template must compile and render.

Every field is optional unless its default says *required*; a field left out takes its default, and an unknown field is refused. A few checks span fields ` +
  `(provider ids per channel, batched priorities that allow batching, unique digest rule and cap names, a bulk topic of its own): ` +
  `src/config/cross-checks.ts. ` +
  `Connections, credentials and ports come from [environment variables](#environment-variables), not from this file.

Nested fields are written as dotted paths (\`channels.email.retry.baseDelayMs\`), the entries of a map under a placeholder ` +
  `(\`templates.<name>.locales.<locale>\`), the objects of a list with \`[]\` (\`batching.rules[].window.every\`).

This file is generated from the zod schemas in src/config (each field's description and default): do not edit it; change the schema and ` +
  `run \`npm run docs:config\`.`;

const code = (text: string) => `\`${text}\``;
const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const fieldTable = (rows: Row[], first: string) =>
  table(
    [first, 'type', 'default', 'meaning'],
    rows.map((r) => [code(r.path), r.type, r.default, r.meaning]),
  );

/** The legend of the shared value types (src/config/fields.ts): title and description. */
function valueTypes(): string {
  const rows = VALUE_TYPES.map((schema) => {
    const meta = z.globalRegistry.get(schema);
    if (!meta?.title || !meta.description) throw new Error('every entry of VALUE_TYPES needs .meta({ title, description })');
    return [meta.title, meta.description];
  });
  return `## Value types\n\n${table(['type', 'what it takes'], rows)}`;
}

/** One section per top-level key: a block's description, then its fields; a list, map or value's table starts with itself. */
function section(key: string, node: SchemaNode): string {
  if (!node.properties) return `## ${key}\n\n${fieldTable(rowsOf(node, key, configStyle), 'key')}`;
  return `## ${key}\n\n${node.description ?? ''}\n\n${fieldTable(rowsBelow(node, key, configStyle), 'key')}`;
}

function environment(): string {
  const rows = rowsBelow(describeSchema(envSchema), '', envStyle);
  const about =
    'Read once at start-up by src/config/env.ts (nothing else reads the environment) and validated there: a bad value stops the service with the variable ' +
    'and what it expects. An empty variable counts as unset.';
  return `## Environment variables\n\n${about}\n\n${fieldTable(rows, 'variable')}`;
}

/** The exact file content: the intro, a contents list, the value types, each section, the environment. */
export function renderConfigDocs(): string {
  const sections = Object.entries(describeSchema(configSchema).properties ?? {});
  const contents = ['Value types', ...sections.map(([key]) => key), 'Environment variables'].map(
    (title) => `- [${title}](#${title.toLowerCase().replace(/ /g, '-')})`,
  );
  return `${[INTRO, `## Contents\n\n${contents.join('\n')}`, valueTypes(), ...sections.map(([key, node]) => section(key, node)), environment()].join(
    '\n\n',
  )}\n`;
}

if (require.main === module) {
  const target = path.resolve(__dirname, '..', CONFIG_DOCS_FILE);
  writeFileSync(target, renderConfigDocs());
  console.log(`[docs] wrote ${path.relative(process.cwd(), target)}`);
}
