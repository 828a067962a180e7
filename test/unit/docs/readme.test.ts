import { readFileSync } from 'node:fs';
import path from 'node:path';

const readme = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
const lines = readme.split('\n');

/** The lines outside fenced code blocks and tables: the prose a reader reads in an editor too. */
function proseLines(): { line: number; text: string }[] {
  let fenced = false;
  return lines.flatMap((text, i) => {
    if (text.startsWith('```')) fenced = !fenced;
    return fenced || text.startsWith('```') || text.startsWith('|') ? [] : [{ line: i + 1, text }];
  });
}

describe('README.md, the front door', () => {
  it('gives the two commands as they are', () => {
    expect(readme).toContain('\nnpm ci && npm run demo   #');
    expect(readme).toContain('\nnpm ci && npm test       #');
  });

  it('stays short: the rest lives in docs/', () => {
    expect(lines.length).toBeLessThanOrEqual(220);
  });

  it('wraps its prose at 120 characters', () => {
    expect(
      proseLines()
        .filter((l) => l.text.length > 120)
        .map((l) => `README.md:${l.line} has ${l.text.length} characters`),
    ).toEqual([]);
  });

  it('links every guide of docs/ and the top-level documents', () => {
    for (const doc of [
      'docs/architecture.md',
      'docs/configuration.md',
      'docs/operations.md',
      'docs/runbook.md',
      'docs/producers.md',
      'docs/testing.md',
      'docs/http-api.md',
      'CONTRIBUTING.md',
      'SECURITY.md',
      'RELIABILITY.md',
      'BENCHMARKS.md',
    ]) {
      expect([doc, readme.includes(`](${doc})`)]).toEqual([doc, true]);
    }
  });
});
