import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/*
 * The docs name files of the repository (`src/routing/handle-event.ts`, `test/support/smtp-sink.ts`,
 * [the runbook](docs/runbook.md#first-five-minutes)); a move or a rename must not leave them pointing
 * at nothing. Every repository path in the text, and every relative link and its #anchor, must exist.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const DOCS = [
  ...['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'RELIABILITY.md', 'BENCHMARKS.md'],
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Top-level folders whose paths the docs name; `dist/…`, `outbox/…` and URLs are not files of the repository. */
const TOP = ['src', 'test', 'scripts', 'bench', 'chaos', 'config', 'docs', 'examples', 'ops', 'schema', 'stack', 'bin', '.ci'];
/** A repository path in running text: not preceded by a word character or a slash (so not `dist/src/…`, not a URL's path). */
const PATH = new RegExp(String.raw`(?<![\w./-])(?:(?:${TOP.map((t) => t.replace('.', '\\.')).join('|')})/[\w.\-/]*[\w/])`, 'g');
/** What a run writes (gitignored): named in the docs, absent from a checkout. */
const RUN_OUTPUT = ['bench/.out/'];
/** A Markdown link's target. */
const LINK = /\]\(([^)\s]+)\)/g;

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

/** Each problem as `doc:line what`. */
function problemsOf(doc: string): string[] {
  const problems: string[] = [];
  readFileSync(path.join(ROOT, doc), 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const at = `${doc}:${i + 1}`;
      for (const m of text.matchAll(PATH)) {
        // `chaos/results*.json`, `src/channels/<provider>.ts`: the folder must exist.
        const named = /[*<{]/.test(text[m.index + m[0].length] ?? '') ? m[0].slice(0, m[0].lastIndexOf('/') + 1) : m[0];
        if (RUN_OUTPUT.some((o) => named.startsWith(o))) continue;
        if (!existsSync(path.join(ROOT, named))) problems.push(`${at} names ${named}, which does not exist`);
      }
      for (const [, target] of text.matchAll(LINK)) {
        if (/^[a-z]+:/i.test(target!)) continue; // https:, mailto:
        const [file, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = file === '' ? doc : path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, doc)), file));
        if (!existsSync(path.join(ROOT, resolved))) problems.push(`${at} links to ${target}, which does not exist`);
        else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor))
          problems.push(`${at} links to ${target}: ${resolved} has no heading with that anchor`);
      }
    });
  return problems;
}

describe('paths in the docs', () => {
  it.each(DOCS)('every repository path and relative link in %s exists', (doc) => {
    expect(problemsOf(doc)).toEqual([]);
  });

  it('finds what it is meant to find', () => {
    expect('see `src/routing/handle-event.ts`, dist/src/main.js, https://x.test/src/a.ts and [r](docs/runbook.md#x)'.match(PATH)).toEqual([
      'src/routing/handle-event.ts',
      'docs/runbook.md',
    ]);
    expect('`src/config/sections/*.ts` or src/channels/<provider>.ts, then src/shared/errors.ts.'.match(PATH)).toEqual([
      'src/config/sections/',
      'src/channels/',
      'src/shared/errors.ts',
    ]);
    expect(problemsOf('test/unit/docs/fixtures/stale.md')).toEqual([
      'test/unit/docs/fixtures/stale.md:3 names src/errors.ts, which does not exist',
      'test/unit/docs/fixtures/stale.md:4 names scripts/gone/, which does not exist',
      'test/unit/docs/fixtures/stale.md:5 links to ../../../../docs/none.md, which does not exist',
      'test/unit/docs/fixtures/stale.md:6 links to ../../../../docs/runbook.md#no-such-heading: docs/runbook.md has no heading with that anchor',
    ]);
    expect(slug('The typed client: HeraldProducer')).toBe('the-typed-client-heraldproducer');
    expect(slug('Moving to another Kafka client')).toBe('moving-to-another-kafka-client');
  });
});
