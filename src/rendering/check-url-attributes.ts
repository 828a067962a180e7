import Handlebars from 'handlebars';

/** The parts of Handlebars' AST read here (its own typings do not export the node types). */
interface Position {
  line: number;
  column: number;
}
interface AstNode {
  type: string;
  loc: { start: Position; end: Position };
  /** ContentStatement. */
  value?: string;
  /** MustacheStatement, BlockStatement. */
  path?: { type: string; original?: string };
  escaped?: boolean;
  program?: Program;
  inverse?: Program;
}
interface Program {
  body: AstNode[];
}

/** Attributes a mail client or browser follows as a link or loads as a resource. */
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'background',
  'poster',
  'cite',
  'data',
  'xlink:href',
  'longdesc',
  'ping',
  'icon',
  'manifest',
]);

/** Marks where a `{{…}}` stood in the flattened template: a private-use character, then its index. */
const MARK = '\uE000';
const MARKS = new RegExp(`${MARK}(\\d+)${MARK}`, 'g');

/** Characters a URL scheme is made of: until one of these ends, the scheme is still open. */
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;

/** One `{{…}}` of the template: whether it is an escaped `{{url …}}`, and its source text. */
interface Expression {
  isUrl: boolean;
  text: string;
}

/** The source text of a node, from its line and column location. */
function sourceOf(source: string, loc: AstNode['loc']): string {
  const lines = source.split('\n');
  const offset = (p: Position) => lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + p.column;
  return source.slice(offset(loc.start), offset(loc.end));
}

/**
 * The template's text with each `{{…}}` replaced by a mark, block bodies (both branches) inline:
 * an approximation of every HTML the template can produce, good enough to see which attribute an
 * expression lands in.
 */
function flatten(source: string, program: Program, expressions: Expression[]): string {
  let html = '';
  for (const node of program.body) {
    if (node.type === 'ContentStatement') html += node.value ?? '';
    else if (node.type === 'MustacheStatement') {
      const isUrl = node.escaped === true && node.path?.type === 'PathExpression' && node.path.original === 'url';
      expressions.push({ isUrl, text: sourceOf(source, node.loc) });
      html += `${MARK}${expressions.length - 1}${MARK}`;
    } else if (node.type === 'BlockStatement') {
      html += (node.program ? flatten(source, node.program, expressions) : '') + (node.inverse ? flatten(source, node.inverse, expressions) : '');
    }
  }
  return html;
}

/** The values of URL attributes in every tag of `html` (quoted, single-quoted or bare). */
function urlAttributeValues(html: string): string[] {
  const values: string[] = [];
  const tag = /<[A-Za-z][^\s/>]*/g;
  const attribute = /[\s/]*([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?/y;
  for (let start = tag.exec(html); start; start = tag.exec(html)) {
    attribute.lastIndex = tag.lastIndex;
    for (let a = attribute.exec(html); a; a = attribute.exec(html)) {
      const value = a[2] ?? a[3] ?? a[4];
      if (value !== undefined && URL_ATTRIBUTES.has(a[1]!.toLowerCase())) values.push(value);
      tag.lastIndex = attribute.lastIndex;
    }
  }
  return values;
}

/**
 * The expression that may set the scheme of a link value, if one does: a raw `{{…}}` (or any
 * `{{{…}}}`) before the scheme is settled, or a `{{url …}}` whose output the literal text after it
 * turns into a scheme (`{{url a}}:…`). The scheme is settled by the first character that cannot be
 * part of one (`https://`, `/`, `#`, `?` written in the template).
 */
function schemeSetter(value: string, expressions: Expression[]): Expression | undefined {
  const pieces = value.trimStart().split(MARKS);
  let urlBefore: Expression | undefined;
  for (const [i, piece] of pieces.entries()) {
    if (i % 2 === 1) {
      const expression = expressions[Number(piece)]!;
      if (!expression.isUrl) return expression;
      urlBefore = expression;
      continue;
    }
    const end = [...piece].findIndex((c) => !SCHEME_CHAR.test(c));
    if (end >= 0) return piece[end] === ':' ? urlBefore : undefined;
  }
  return undefined;
}

/**
 * Problems of one `html` template field: each `{{…}}` that can decide the scheme of an `href`, `src`
 * or other link attribute without the `url` helper, where an event's `javascript:alert(1)` would
 * become a script link. `{{…}}` after a scheme or path written in the template
 * (`href="https://shop.test/o/{{payload.id}}"`) is fine. Returns one message per expression.
 */
export function unsafeUrlAttributes(source: string): string[] {
  let ast: Program;
  try {
    ast = Handlebars.parse(source) as unknown as Program;
  } catch {
    return []; // Compiling reports the syntax error.
  }
  const expressions: Expression[] = [];
  const html = flatten(source, ast, expressions);
  const found = new Set<string>();
  for (const value of urlAttributeValues(html)) {
    const setter = schemeSetter(value, expressions);
    if (setter) found.add(setter.text);
  }
  return [...found].map((text) => {
    const inner = text.replace(/^\{\{\{?~?\s*/, '').replace(/\s*~?\}?\}\}$/, '');
    const fix = inner.startsWith('url ') ? `{{${inner}}}, escaped and alone at the start of the link` : `{{url ${inner}}}`;
    return (
      `${text} sets the start of a link (href, src…) without the url helper, so an event's "javascript:…" would become a script link; write ${fix} (it ` +
      `keeps http, https, mailto and relative links only)`
    );
  });
}
