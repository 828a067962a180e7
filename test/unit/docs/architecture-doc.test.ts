import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LAYERS } from '../architecture/layers';

const doc = readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'architecture.md'), 'utf8');

/** The layers the diagram under "## The layers of src/" draws: the folders at the start of each line, top to bottom. */
function drawnLayers(text: string): string[][] {
  const section = text.slice(text.indexOf('## The layers of src/'));
  const diagram = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return diagram
    .split('\n')
    .filter((line) => /^ [│▼] /.test(line))
    .map((line) => {
      const words = line.slice(3).trim().split(/\s+/);
      const folders = words.slice(
        0,
        words.findIndex((w) => !/^(?:src\/main\.ts|[a-z-]+\/)$/.test(w)),
      );
      return folders.map((f) => (f === 'src/main.ts' ? '(root)' : f.slice(0, -1)));
    });
}

describe('docs/architecture.md', () => {
  it('draws the layers of src/ that test/unit/architecture/layers.test.ts enforces, in their order', () => {
    expect(drawnLayers(doc)).toEqual(LAYERS);
  });
});
