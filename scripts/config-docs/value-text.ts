import type { SchemaNode } from '../../src/config/describe-schema';
import type { RowStyle } from './schema-rows';

/* How docs/configuration.md writes a field's type and its default. */

const code = (text: string) => `\`${text}\``;
const or = (parts: string[]) => (parts.length <= 2 ? parts.join(' or ') : `${parts.slice(0, -1).join(', ')} or ${parts.at(-1)}`);
const literal = (value: unknown) => code(typeof value === 'string' ? value : JSON.stringify(value));

/** `1–50`, `≥ 1`, `> 0`: the bounds zod wrote, leaving out the safe-integer cap `.int()` adds. */
function bounds(node: SchemaNode, integer: boolean): string {
  const low = node.minimum ?? (node.exclusiveMinimum !== undefined && integer ? node.exclusiveMinimum + 1 : undefined);
  const high = node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER ? node.maximum : undefined;
  if (low !== undefined && high !== undefined) return ` ${low}–${high}`;
  if (low !== undefined) return ` ≥ ${low}`;
  if (node.exclusiveMinimum !== undefined) return ` > ${node.exclusiveMinimum}`;
  return high !== undefined ? ` ≤ ${high}` : '';
}

function listOf(items: SchemaNode | undefined, minItems: number | undefined): string {
  const least = minItems ? ` (at least ${minItems})` : '';
  if (items?.enum) return `list of ${or(items.enum.map(literal))}${least}`;
  if (items?.properties) return `list of objects${least}`;
  return `list of ${items ? typeText(items) : 'values'}s${least}`;
}

/** The type column: a shared type's title (`duration`), else what JSON Schema says, in words. */
export function typeText(node: SchemaNode): string {
  const value = typeof node.additionalProperties === 'object' ? node.additionalProperties : null;
  if (value) {
    const keys = node.propertyNames?.enum ? ` (${or(node.propertyNames.enum.map(literal))})` : '';
    return `map of ${code(`<${node.propertyNames?.title}>`)}${keys} to ${value.properties ? 'object' : typeText(value)}`;
  }
  if (node.title) return node.title;
  if (node.const !== undefined) return literal(node.const);
  if (node.enum) return or(node.enum.map(literal));
  if (node.anyOf) return or(node.anyOf.map(typeText));
  switch (node.type) {
    case 'array':
      return listOf(node.items, node.minItems);
    case 'object':
      return 'object';
    case 'integer':
    case 'number':
      return `${node.type}${bounds(node, node.type === 'integer')}`;
    case 'string':
      return node.format === 'uri' ? 'URL' : 'string';
    default:
      return String(node.type);
  }
}

/** A number of ms as the largest unit it is a whole number of: 31536000000 → 365d. */
function humanMs(ms: number): string {
  const units: [string, number][] = [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  const unit = units.find(([, size]) => ms % size === 0);
  return unit ? `${ms / unit[1]}${unit[0]}` : `${ms}ms`;
}

/** A value as a config file writes it: `"herald"`, `["critical", "high"]`, `{}`. */
function configValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(configValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? `{ ${entries.map(([k, v]) => `${k}: ${configValue(v)}`).join(', ')} }` : '{}';
  }
  return JSON.stringify(value);
}

/** Types and defaults of config fields. A duration's default in ms also reads in its largest unit. */
export const configStyle: RowStyle = {
  type: typeText,
  show: (value, node) => `${code(configValue(value))}${node.title === 'duration' && typeof value === 'number' ? ` (${humanMs(value)})` : ''}`,
};

/** Types and defaults of environment variables: the text to set, unquoted; every variable is text. */
export const envStyle: RowStyle = {
  type: (node) =>
    node.enum ? or(node.enum.map(literal)) : node.type === 'integer' ? `integer${bounds(node, true)}` : node.format === 'uri' ? 'URL' : 'string',
  show: (value) => (value === '' ? 'empty' : code(String(value))),
};
