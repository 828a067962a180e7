/**
 * `npm run lint`'s last step: no line of code is longer than Prettier's `printWidth`
 * (.prettierrc.json). Prettier breaks code at that width but leaves a long string, regex or comment
 * as it is; this names each one, so a reader never scrolls sideways.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const WIDTH = (JSON.parse(readFileSync(path.join(ROOT, '.prettierrc.json'), 'utf8')) as { printWidth: number }).printWidth;
const DIRS = ['src', 'test', 'bench', 'chaos', 'scripts', 'config', 'examples', 'bin'];
const CODE = /\.(ts|js|mjs|cjs)$/;
const SKIP = new Set(['node_modules', 'dist', '.out']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : CODE.test(name) ? [full] : [];
  });
}

const all = [
  ...DIRS.flatMap((d) => files(path.join(ROOT, d))),
  ...readdirSync(ROOT)
    .filter((f) => CODE.test(f))
    .map((f) => path.join(ROOT, f)),
];
const long = all.flatMap((file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.length > WIDTH ? [`${path.relative(ROOT, file)}:${i + 1}: ${line.length} characters`] : [])),
);
if (long.length > 0) {
  console.error(`${long.length} line(s) over printWidth ${WIDTH}; break the string, regex or comment:\n${long.join('\n')}`);
  process.exit(1);
}
console.log(`line width: ${all.length} files, every line within ${WIDTH} characters`);
