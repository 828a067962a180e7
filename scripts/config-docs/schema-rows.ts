/**
 * Turns the JSON Schema of the config (src/config/describe-schema.ts) into table rows: one per
 * field, nested fields as dotted paths, a map's entries under a placeholder named by its key's
 * title (`templates.<name>`), a list's object items under `[]` (`batching.rules[].window`). Fields
 * that sibling blocks share, where the parent names its keys (`propertyNames.title`, e.g. each
 * channel under `channels`), are listed once under that placeholder (`channels.<channel>.retry`).
 */
import type { SchemaNode } from '../../src/config/describe-schema';

/** One row of a table: a key, its type, its default and what it means (markdown, not yet escaped). */
export interface Row {
  path: string;
  type: string;
  default: string;
  meaning: string;
}

/** How the rows write a type, and a default value (as in a config file, `"herald"`, or raw, as in an environment variable). */
export interface RowStyle {
  type(node: SchemaNode): string;
  show(value: unknown, node: SchemaNode): string;
}

/** Values of a map's default, spread over the rows under its placeholder: `critical: 5000, high: 30000`. */
type Keyed = [key: string, value: unknown][];

/** The map (record) a node is, if it is one: its entries' schema and placeholder. */
function mapOf(node: SchemaNode, path: string): { value: SchemaNode; key: string } | null {
  if (typeof node.additionalProperties !== 'object') return null;
  const title = node.propertyNames?.title;
  if (!title) throw new Error(`${path}: the keys of this map have no title; give its key schema .meta({ title: '…' }) to name the placeholder (e.g. <name>)`);
  return { value: node.additionalProperties, key: `<${title}>` };
}

function meaningOf(node: SchemaNode, path: string): string {
  if (!node.description)
    throw new Error(`${path} has no description; add .describe('…') to it in src/config (its meaning, and its default when that is not a plain value)`);
  return node.description;
}

/** Where a row stands: whether its parent requires it, the map defaults spread over it, whether it is a map's entry. */
interface Place {
  required?: boolean;
  keyed?: Keyed;
  entry?: boolean;
}

function defaultOf(node: SchemaNode, { required, keyed = [], entry }: Place, style: RowStyle, spreadBelow: boolean): string {
  if (node.properties || entry) return ''; // a block's fields carry the defaults; a map's entry has none
  if (spreadBelow) return 'per key, below';
  if ('default' in node) return style.show(node.default, node);
  const spread = keyed.filter(([, v]) => v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v)));
  if (spread.length > 0) return spread.map(([k, v]) => `${k}: ${style.show(v, node)}`).join(', ');
  return required ? 'required' : '—';
}

/** The keyed defaults one level down, at `key`. */
const down = (keyed: Keyed, key: string): Keyed =>
  keyed.map(([k, v]) => [k, v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined]);

/** A map with a default of several entries (`priorities`) spreads each entry's values over the rows below. */
function spreadOf(node: SchemaNode, path: string, keyed: Keyed): Keyed {
  return mapOf(node, path) && node.default !== null && typeof node.default === 'object' ? Object.entries(node.default) : keyed;
}

/** The row of `node` alone. */
function rowOf(node: SchemaNode, path: string, style: RowStyle, place: Place): Row {
  const keyed = place.keyed ?? [];
  const spread = spreadOf(node, path, keyed);
  return { path, type: style.type(node), default: defaultOf(node, place, style, spread !== keyed && spread.length > 0), meaning: meaningOf(node, path) };
}

/** The rows of `node` itself (at `path`) and of everything below it. */
export function rowsOf(node: SchemaNode, path: string, style: RowStyle, place: Place = {}): Row[] {
  return [rowOf(node, path, style, place), ...rowsBelow(node, path, style, spreadOf(node, path, place.keyed ?? []))];
}

/** The fields every block among `node`'s fields has alike, when `node` names its keys (`propertyNames.title`). */
function sharedFields(node: SchemaNode): { key: string; first: SchemaNode; shared: Set<string> } | null {
  const title = node.propertyNames?.title;
  const blocks = Object.values(node.properties ?? {}).filter((child) => child.properties);
  const [first] = blocks;
  if (!title || !first?.properties || blocks.length < 2) return null;
  const same = (key: string) => blocks.every((b) => b.properties?.[key] && JSON.stringify(b.properties[key]) === JSON.stringify(first.properties![key]));
  const shared = new Set(Object.keys(first.properties).filter(same));
  return shared.size > 0 ? { key: `<${title}>`, first, shared } : null;
}

/** The rows of `node`'s fields, but those in `skip`. */
function fieldRows(node: SchemaNode, path: string, style: RowStyle, keyed: Keyed, skip: (key: string) => boolean = () => false): Row[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    if (skip(key)) return [];
    return rowsOf(child, path ? `${path}.${key}` : key, style, { required: node.required?.includes(key) ?? false, keyed: down(keyed, key) });
  });
}

/** The rows of what `node` holds: its fields, its map's entries, or the fields of its list's objects. */
export function rowsBelow(node: SchemaNode, path: string, style: RowStyle, keyed: Keyed = []): Row[] {
  const map = mapOf(node, path);
  if (map) return rowsOf(map.value, `${path}.${map.key}`, style, { keyed, entry: true });
  if (node.items?.properties) return rowsBelow(node.items, `${path}[]`, style);
  const group = sharedFields(node);
  if (!group) return fieldRows(node, path, style, keyed);
  const at = `${path}.${group.key}`;
  const placeholder: Row = { path: at, type: 'object', default: '', meaning: meaningOf(node.propertyNames!, at) };
  const common = fieldRows(group.first, at, style, [], (key) => !group.shared.has(key));
  // Each block: its own row, then only the fields it does not share (sms.maxSegments); the others as usual.
  const own = Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const place = { required: node.required?.includes(key) ?? false };
    if (!child.properties) return rowsOf(child, `${path}.${key}`, style, place);
    return [rowOf(child, `${path}.${key}`, style, place), ...fieldRows(child, `${path}.${key}`, style, [], (k) => group.shared.has(k))];
  });
  return [placeholder, ...common, ...own];
}
