import { z } from 'zod';

/** The JSON Schema keywords herald's config and environment schemas produce, as read by docs and tests. */
export interface SchemaNode {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: SchemaNode | boolean;
  propertyNames?: SchemaNode;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
}

/**
 * The JSON Schema of what a config file (or the environment) may hold, each field with its
 * `description` and `default`: what docs/configuration.md is generated from.
 *
 * `io: 'input'` describes what a person writes (a duration as "15m", fields with defaults
 * optional). In that mode zod leaves out the default of a field whose schema transforms (a
 * duration parses to ms; so do lists and maps holding one), since the default is a parsed value;
 * every such default here is a valid input too (a number of ms), so it is put back.
 */
export function describeSchema(schema: z.ZodType): SchemaNode {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def;
      if (def.type === 'default' && !('default' in jsonSchema)) jsonSchema.default = JSON.parse(JSON.stringify((def as z.core.$ZodDefaultDef).defaultValue));
    },
  });
  delete json.$schema;
  return json as SchemaNode;
}
