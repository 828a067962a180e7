import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LAYERS } from './layers';

const SRC = path.join(__dirname, '..', '..', '..', 'src');
const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, LAYERS.length - i] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : name.endsWith('.ts') ? [full] : [];
  });
}

const folderOf = (file: string) => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? '(root)' : rel[0]!;
};

interface Import {
  from: string;
  line: number;
  spec: string;
}

function importsOf(file: string): Import[] {
  const found: Import[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      for (const m of text.matchAll(/(?:from|import)\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/g))
        found.push({ from: file, line: i + 1, spec: (m[1] ?? m[2])! });
    });
  return found;
}

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);

describe('the layers of src/', () => {
  it('every folder of src/ has a layer', () => {
    const folders = [...new Set(files.map(folderOf))];
    expect(folders.filter((f) => !rank.has(f))).toEqual([]);
  });

  it('every import points to a lower layer: no folder cycles, no arrow back up the pipeline', () => {
    const violations = imports
      .filter((i) => i.spec.startsWith('.'))
      .map((i) => ({ ...i, target: path.resolve(path.dirname(i.from), i.spec) }))
      // The bundled config file (config/notification-config.ts) lives outside src/.
      .filter(({ target }) => !path.relative(SRC, target).startsWith('..'))
      .map((i) => ({ ...i, a: folderOf(i.from), b: folderOf(i.target) }))
      .filter(({ a, b }) => a !== b && (rank.get(b) ?? Infinity) >= (rank.get(a) ?? -Infinity))
      .map(({ from, line, spec, a, b }) => `${path.relative(SRC, from)}:${line} ${a} → ${b} (${spec})`);
    expect(violations).toEqual([]);
  });

  it('only src/kafka/ imports kafkajs, so a move to another Kafka client is one folder’s work', () => {
    const outside = imports.filter((i) => i.spec === 'kafkajs' && folderOf(i.from) !== 'kafka').map((i) => `${path.relative(SRC, i.from)}:${i.line}`);
    expect(outside).toEqual([]);
  });

  it('domain code never imports the CLI, the HTTP API or the service wiring', () => {
    const top = new Set(['cli', 'http', 'service']);
    const bad = imports
      .filter((i) => i.spec.startsWith('.'))
      .filter((i) => !top.has(folderOf(i.from)) && folderOf(i.from) !== '(root)' && top.has(folderOf(path.resolve(path.dirname(i.from), i.spec))))
      .map((i) => `${path.relative(SRC, i.from)}:${i.line} ${i.spec}`);
    expect(bad).toEqual([]);
  });
});
