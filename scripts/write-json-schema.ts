/**
 * Writes the published contract files:
 *   npm run schema:write
 * - schema/notification-event.schema.json: JSON Schema of notifications.incoming messages
 *   (src/contract/json-schema.ts), checked by test/unit/contract/json-schema.test.ts;
 * - schema/asyncapi.json: AsyncAPI document of the public topics, their keys, headers and payloads
 *   (src/contract/asyncapi.ts), checked by test/unit/contract/asyncapi.test.ts.
 * Both are generated from the zod contract and checked in; the tests fail when a file no longer matches.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildAsyncApiDocument } from '../src/contract/asyncapi';
import { buildEventJsonSchema } from '../src/contract/json-schema';
import packageJson from '../package.json';

/** Where the schema is published, relative to the repository root. */
export const SCHEMA_FILE = path.join('schema', 'notification-event.schema.json');
/** Where the AsyncAPI document is published, relative to the repository root. */
export const ASYNCAPI_FILE = path.join('schema', 'asyncapi.json');

/** The exact file content: 2-space JSON and a final newline. */
export function renderEventJsonSchema(): string {
  return `${JSON.stringify(buildEventJsonSchema(), null, 2)}\n`;
}

/** The exact AsyncAPI file content (default topic names, herald's version): 2-space JSON and a final newline. */
export function renderAsyncApiDocument(): string {
  return `${JSON.stringify(buildAsyncApiDocument({ version: packageJson.version }), null, 2)}\n`;
}

if (require.main === module) {
  for (const [file, content] of [
    [SCHEMA_FILE, renderEventJsonSchema()],
    [ASYNCAPI_FILE, renderAsyncApiDocument()],
  ] as const) {
    const target = path.resolve(__dirname, '..', file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    console.log(`[schema] wrote ${path.relative(process.cwd(), target)}`);
  }
}
