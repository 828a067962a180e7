/**
 * Writes the published JSON Schema of notifications.incoming messages:
 *   npm run schema:write
 * The file is generated from the zod contract (src/contract/json-schema.ts) and checked in;
 * test/unit/contract/json-schema.test.ts fails when it no longer matches the contract.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildEventJsonSchema } from '../src/contract/json-schema';

/** Where the schema is published, relative to the repository root. */
export const SCHEMA_FILE = path.join('schema', 'notification-event.schema.json');

/** The exact file content: 2-space JSON and a final newline. */
export function renderEventJsonSchema(): string {
  return `${JSON.stringify(buildEventJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const file = path.resolve(__dirname, '..', SCHEMA_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderEventJsonSchema());
  console.log(`[schema] wrote ${path.relative(process.cwd(), file)}`);
}
