#!/usr/bin/env node
// `herald` CLI entry. In a checkout (sources and tsx, a devDependency, present) the TypeScript
// sources run through tsx, so `npx herald` works right after `npm ci` and never runs a stale build;
// an installed package or the Docker image (no devDependencies) runs the build in dist/.
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
function resolveTsx() {
  try {
    return require.resolve('tsx/cjs', { paths: [root] });
  } catch {
    return null;
  }
}
const tsx = resolveTsx();
if (tsx && fs.existsSync(source)) {
  require(tsx);
  require(source).main();
} else {
  require(path.join(root, 'dist', 'src', 'cli', 'main.js')).main();
}
