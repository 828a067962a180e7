import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildEventJsonSchema } from '../../../src/contract/json-schema';
import { LIMITS } from '../../../src/contract/limits';
import { SCHEMA_FILE, renderEventJsonSchema } from '../../../scripts/write-json-schema';

const file = path.resolve(__dirname, '../../..', SCHEMA_FILE);

describe('published JSON Schema', () => {
  it('the checked-in file equals the schema generated from the zod contract', () => {
    const checkedIn = readFileSync(file, 'utf8');
    const generated = renderEventJsonSchema();
    if (checkedIn !== generated) {
      const have = checkedIn.split('\n');
      const want = generated.split('\n');
      const line = Array.from({ length: Math.max(have.length, want.length) }, (_, i) => i).find((i) => have[i] !== want[i]) ?? 0;
      throw new Error(
        `${SCHEMA_FILE} is out of date with src/contract; run \`npm run schema:write\` and commit the file.\n` +
          `First difference at line ${line + 1}: file has ${JSON.stringify(have[line])}, contract gives ${JSON.stringify(want[line])}`,
      );
    }
  });

  it('publishes both versions and the limits', () => {
    const schema = buildEventJsonSchema() as { oneOf: { title: string; required: string[] }[]; 'x-herald-limits': unknown };
    expect(schema.oneOf.map((s) => s.title)).toEqual(['Event version 2', 'Event version 1']);
    expect(schema.oneOf[0]?.required).toContain('version');
    expect(schema.oneOf[1]?.required).not.toContain('version');
    expect(schema['x-herald-limits']).toEqual(LIMITS);
  });
});
